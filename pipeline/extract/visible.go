package extract

import (
	"net/url"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
)

// Visible is the text a reader sees of a status, less its mentions and
// links: the words the author wrote. It owns that reading for both forms a
// status comes in, so that the same message gives the same words whether
// it is a local author's plain text or HTML (an API export's content, a
// remote status's text in a database export):
//
//   - HTML is read as Mastodon shows it: tags go, character references are
//     decoded, paragraphs and line breaks part words, the contents of
//     invisible spans (class "invisible") and of elements Mastodon's
//     sanitiser drops whole (script, style, ...) are not seen;
//   - mentions go: in HTML a link with class mention or u-url, a link in an
//     h-card, a link to a mentioned account, a link whose text starts with
//     @ (Mastodon's, Misskey's, Pleroma's forms); in text and what is left
//     of HTML, @user and @user@host as Mastodon's mention pattern finds
//     them;
//   - links go: in HTML a link whose text is its URL (Mastodon shows the URL
//     cut short), in text every URL and host the extractor finds; a
//     link with words of its own (<a href=...>read this</a>) keeps them;
//   - hashtags stay as the words they are (#caturday).
//
// Each thing taken out leaves a space, so the words around it stay apart.
func (x *Extractor) Visible(body string, isHTML bool, mentionURLs []string) string {
	if isHTML {
		body, _, _ = x.readHTML(body, mentionURLs)
	}
	return x.withoutMentionsAndURLs(body)
}

// htmlLink is a link of status HTML and what it is.
type htmlLink struct {
	href string
	kind byte // 'm' a mention, 'h' a hashtag, 'l' any other link
}

// readHTML walks status HTML once and gives what the extractor and the
// text signature need: the visible text less mentions and links that show
// their URL (see Visible), the text outside links as written (hidden
// spans too: what it names is published all the same), and the links
// with their kind.
//
// A link is a mention when its class says so (mention, u-url: Mastodon,
// Misskey, Pleroma, GoToSocial), when it sits in an h-card, when its href
// is a mentioned account's URL, or when its text starts with @ and its
// href looks like a profile (/@name, /users/name, /u/name); a hashtag when
// its class is hashtag or its rel is tag (Mastodon skips both for link
// previews, and so do we for promoted domains).
func (x *Extractor) readHTML(src string, mentionURLs []string) (visible, outside string, links []htmlLink) {
	z := html.NewTokenizer(strings.NewReader(src))
	var vis, out strings.Builder
	type open struct {
		name   string
		hides  bool // invisible span: not seen
		drops  bool // removed with its contents by Mastodon's sanitiser
		isCard bool
	}
	var stack []open
	hidden, dropped, hcard := 0, 0, 0
	// Text inside a link is held until the link ends, when its kind is known.
	var inLink bool
	var linkText strings.Builder
	var cur htmlLink
	endLink := func() {
		if !inLink {
			return
		}
		inLink = false
		text := strings.TrimSpace(linkText.String())
		linkText.Reset()
		if cur.kind == 'l' && (strings.HasPrefix(text, "@") || strings.HasPrefix(text, "＠")) && isProfileURL(cur.href) {
			cur.kind = 'm'
		}
		links = append(links, cur)
		switch {
		case cur.kind == 'h':
			vis.WriteString(text)
		case cur.kind == 'm', text == "", x.holdsURL(text):
			vis.WriteByte(' ')
		default:
			vis.WriteString(" " + text + " ")
		}
	}
	write := func(s string) {
		if dropped > 0 {
			return
		}
		if inLink {
			if hidden == 0 {
				linkText.WriteString(s)
			}
			return
		}
		out.WriteString(s)
		if hidden == 0 {
			vis.WriteString(s)
		}
	}
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			endLink()
			return vis.String(), out.String(), links
		case html.TextToken:
			write(string(z.Text()))
		case html.StartTagToken, html.SelfClosingTagToken:
			name, hasAttr := z.TagName()
			var href, class, rel string
			for hasAttr {
				var k, v []byte
				k, v, hasAttr = z.TagAttr()
				switch string(k) {
				case "href":
					href = string(v)
				case "class":
					class = string(v)
				case "rel":
					rel = string(v)
				}
			}
			tag := string(name)
			if isBlock(tag) {
				endLink() // a block ends a link left open
				write("\n")
			}
			if tt == html.SelfClosingTagToken || isVoid(tag) {
				continue
			}
			o := open{name: tag}
			switch tag {
			case "a":
				endLink() // links do not nest
				inLink = true
				cur = htmlLink{href: href, kind: 'l'}
				switch {
				case hasWord(class, "hashtag") || hasWord(rel, "tag"):
					cur.kind = 'h'
				case hcard > 0 || hasWord(class, "mention") || hasWord(class, "u-url") || hasWord(class, "h-card") || isMentionURL(mentionURLs, href):
					cur.kind = 'm'
				}
			case "span":
				o.hides = hasWord(class, "invisible")
				o.isCard = hasWord(class, "h-card")
			default:
				o.drops = droppedWhole(tag)
			}
			if o.hides {
				hidden++
			}
			if o.drops {
				dropped++
			}
			if o.isCard {
				hcard++
			}
			stack = append(stack, o)
		case html.EndTagToken:
			name, _ := z.TagName()
			tag := string(name)
			// Close up to the matching open element; a stray end tag
			// closes nothing.
			for n := len(stack) - 1; n >= 0; n-- {
				if stack[n].name != tag {
					continue
				}
				for _, o := range stack[n:] {
					if o.hides {
						hidden--
					}
					if o.drops {
						dropped--
					}
					if o.isCard {
						hcard--
					}
					if o.name == "a" {
						endLink()
					}
				}
				stack = stack[:n]
				break
			}
			if isBlock(tag) {
				write("\n")
			}
		}
	}
}

// isProfileURL says whether href looks like the URL of an account: a path
// of one segment /@name, /users/name or /u/name (Mastodon, Misskey,
// Pleroma, Lemmy).
func isProfileURL(href string) bool {
	u, err := url.Parse(href)
	if err != nil || u.Host == "" {
		return false
	}
	p := strings.TrimSuffix(u.Path, "/")
	switch {
	case strings.HasPrefix(p, "/@"):
		p = p[2:]
	case strings.HasPrefix(p, "/users/"):
		p = p[len("/users/"):]
	case strings.HasPrefix(p, "/u/"):
		p = p[len("/u/"):]
	default:
		return false
	}
	return p != "" && !strings.Contains(p, "/")
}

// holdsURL says whether text holds a URL or host the extractor finds.
func (x *Extractor) holdsURL(text string) bool {
	found := false
	x.scan(text, func(int, int, Ref) { found = true })
	return found || strings.Contains(text, "://")
}

// isMentionURL says whether href is one of the mentioned accounts' URLs,
// as Mastodon compares them (here also without regard to the case of
// the host or a trailing slash).
func isMentionURL(mentionURLs []string, href string) bool {
	if href == "" {
		return false
	}
	h := strings.TrimSuffix(href, "/")
	for _, m := range mentionURLs {
		if strings.EqualFold(strings.TrimSuffix(m, "/"), h) {
			return true
		}
	}
	return false
}

// isBlock is true for the elements that part the words around them.
func isBlock(tag string) bool {
	switch tag {
	case "p", "br", "div", "li", "ul", "ol", "blockquote", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td", "th", "hr", "dd", "dt":
		return true
	}
	return false
}

// isVoid is true for the elements that have no end tag.
func isVoid(tag string) bool {
	switch tag {
	case "br", "hr", "img", "input", "meta", "link", "wbr", "area", "base", "col", "embed", "source", "track":
		return true
	}
	return false
}

// droppedWhole is true for the elements Mastodon's sanitiser removes with
// their contents (Sanitize's remove_contents).
func droppedWhole(tag string) bool {
	switch tag {
	case "script", "style", "iframe", "math", "noembed", "noframes", "noscript", "plaintext", "svg", "xmp", "template", "title", "textarea", "select":
		return true
	}
	return false
}

// withoutMentionsAndURLs replaces each mention and each URL or host of
// plain text by a space.
func (x *Extractor) withoutMentionsAndURLs(text string) string {
	type span struct{ start, end int }
	var cut []span
	x.scan(text, func(start, end int, _ Ref) { cut = append(cut, span{start, end}) })
	for i := strings.IndexByte(text, '@'); i >= 0; {
		if end := mentionEnd(text, i); end > i {
			cut = append(cut, span{i, end})
			i = end
		} else {
			i++
		}
		next := strings.IndexByte(text[i:], '@')
		if next < 0 {
			break
		}
		i += next
	}
	if len(cut) == 0 {
		return text
	}
	slices.SortFunc(cut, func(a, b span) int { return a.start - b.start })
	var b strings.Builder
	last := 0
	for _, c := range cut {
		if c.start > last {
			b.WriteString(text[last:c.start])
			b.WriteByte(' ')
		}
		last = max(last, c.end)
	}
	b.WriteString(text[last:])
	return b.String()
}

// mentionEnd is the end of the mention at text[at] ('@'), or at when
// there is none: Mastodon's Account::MENTION_RE, an @ that no = / or word
// character precedes, a username ([a-z0-9_]+ with . or - inside) and
// optionally @ and a domain of word characters, dots and hyphens that
// ends on a word character.
func mentionEnd(text string, at int) int {
	if at > 0 {
		r, _ := utf8.DecodeLastRuneInString(text[:at])
		if r == '=' || r == '/' || isWordRune(r) {
			return at
		}
	}
	i := at + 1
	user := i
	for i < len(text) {
		c := text[i]
		if isASCIIAlnum(c) || c == '_' {
			i++
			continue
		}
		// . or - inside the username: only between name characters
		j := i
		for j < len(text) && (text[j] == '.' || text[j] == '-') {
			j++
		}
		if j > i && j < len(text) && (isASCIIAlnum(text[j]) || text[j] == '_') {
			i = j
			continue
		}
		break
	}
	if i == user {
		return at
	}
	if i < len(text) && text[i] == '@' {
		j, lastWord := i+1, -1
		for j < len(text) {
			r, n := utf8.DecodeRuneInString(text[j:])
			if isWordRune(r) {
				lastWord = j + n
			} else if r != '.' && r != '-' {
				break
			}
			j += n
		}
		if lastWord > i+1 {
			return lastWord
		}
	}
	return i
}

// isWordRune is Ruby's [[:word:]]: a letter, mark, digit or connector.
func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r) || unicode.Is(unicode.Pc, r)
}
