package extract

import (
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

// Status HTML as servers send it.
const (
	mastodonMention = `<span class="h-card" translate="no"><a href="https://mastodon.social/@alice" class="u-url mention">@<span>alice</span></a></span>`
	mastodonTag     = `<a href="https://mastodon.social/tags/caturday" class="mention hashtag" rel="tag">#<span>caturday</span></a>`
	mastodonLink    = `<a href="https://example.org/2023/05/notes-on-federation" target="_blank" rel="nofollow noopener noreferrer" translate="no"><span class="invisible">https://</span><span class="ellipsis">example.org/2023/05/notes-on-f</span><span class="invisible">ederation</span></a>`
	misskeyMention  = `<a href="https://misskey.io/@bob" class="u-url mention">@bob@misskey.io</a>`
	misskeyLink     = `<a href="https://example.org/x">https://example.org/x</a>`
	misskeyTag      = `<a href="https://misskey.io/tags/art" rel="tag">#art</a>`
	pleromaMention  = `<span class="h-card"><a class="u-url mention" data-user="9x" href="https://pleroma.site/users/carol" rel="ugc">@<span>carol</span></a></span>`
	gtsMention      = `<span class="h-card"><a href="https://gts.example.net/@dave" class="mention">@<span>dave</span></a></span>`
	bareMention     = `<a href="https://friendica.example.net/profile/erin">@erin</a>`
	bareUsersLink   = `<a href="https://lemmy.example.net/u/frank">@frank@lemmy.example.net</a>`
)

func TestVisible(t *testing.T) {
	x := New()
	for _, tc := range []struct {
		name   string
		body   string
		html   bool
		want   string
		remote []string // mention URLs
	}{
		{"plain text mentions and links", "@alice hi! see https://example.org/x and example.net, @bob@misskey.io", false, "", nil},
		{"mastodon html", "<p>" + mastodonMention + " hi! see " + mastodonLink + " " + mastodonTag + "</p>", true, "", nil},
		{"misskey html", "<p>" + misskeyMention + " hi! see " + misskeyLink + " " + misskeyTag + "</p>", true, "", nil},
		{"pleroma and gotosocial mentions", "<p>" + pleromaMention + " " + gtsMention + " hi!</p>", true, "", nil},
		{"entities decoded", "<p>fish &amp; chips&nbsp;&lt;3</p>", true, "fish & chips\u00a0<3", nil},
		{"paragraphs part words", "<p>one</p><p>two<br>three</p>", true, "one two three", nil},
		{"invisible span not seen", `<p>buy <span class="invisible">hidden words</span>now</p>`, true, "buy now", nil},
		{"script and style not seen", `<p>a<script>alert(1)</script><style>p{}</style> b</p>`, true, "a b", nil},
		{"link with its own words keeps them", `<p>read <a href="https://example.org/x">this story</a> now</p>`, true, "read this story now", nil},
		{"link to a mentioned account", `<p><a href="https://evil.example.net/@eve">eve</a> hi</p>`, true, "hi", []string{"https://evil.example.net/@eve"}},
		{"link text @ to a profile", "<p>" + bareUsersLink + " hi</p>", true, "hi", nil},
		{"link text @ to another page stays a link", "<p>" + bareMention + " hi</p>", true, "hi", nil}, // the link stays (see TestHTMLHrefRules); its text reads as a mention
		{"email is not a mention", "write bob@mail.example.com", false, "write bob@mail.example.com", nil},
		{"url path with @", "see https://mastodon.social/@alice/1 ok", false, "see ok", nil},
		{"defanged", "visit cryptonexa[.]io or hxxps://bitqlend[.]com/x today", false, "visit or today", nil},
		{"unclosed markup", `<p>a <a href="https://x.io/">https://x.io/`, true, "a", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := strings.Join(strings.Fields(x.Visible(tc.body, tc.html, tc.remote)), " ")
			if tc.want == "" && tc.name != "unclosed markup" {
				tc.want = "hi! see and ,"
				if tc.html {
					tc.want = "hi! see #caturday"
					if strings.Contains(tc.body, "misskey") {
						tc.want = "hi! see #art"
					}
					if strings.Contains(tc.body, "pleroma") {
						tc.want = "hi!"
					}
				}
			}
			if got != strings.Join(strings.Fields(tc.want), " ") {
				t.Errorf("Visible(%q) = %q, want %q", tc.body, got, tc.want)
			}
		})
	}
}

// TestVisibleSameForLocalAndRemote: the same message as a local author
// typed it and as HTML (Mastodon's rendering, Misskey's) gives the same
// words.
func TestVisibleSameForLocalAndRemote(t *testing.T) {
	x := New()
	local := "@alice hi! I made $12 trading on https://example.org/2023/05/notes-on-federation #caturday"
	for _, remote := range []string{
		"<p>" + mastodonMention + " hi! I made $12 trading on " + mastodonLink + " " + mastodonTag + "</p>",
		`<p><a href="https://misskey.io/@alice" class="u-url mention">@alice@misskey.io</a> hi! I made $12 trading on <a href="https://example.org/2023/05/notes-on-federation">https://example.org/2023/05/notes-on-federation</a> <a href="https://misskey.io/tags/caturday" rel="tag">#caturday</a></p>`,
	} {
		a := strings.Fields(x.Visible(local, false, nil))
		b := strings.Fields(x.Visible(remote, true, nil))
		if !reflect.DeepEqual(a, b) {
			t.Errorf("local %q\nremote %q", a, b)
		}
	}
}

// TestHTMLHrefRules: which links of status HTML are promoted domains.
func TestHTMLHrefRules(t *testing.T) {
	x := New()
	for _, tc := range []struct {
		name     string
		html     string
		mentions []string
		want     []string
	}{
		{"mastodon", "<p>" + mastodonMention + " " + mastodonTag + " " + mastodonLink + "</p>", nil, []string{"href example.org"}},
		{"misskey", "<p>" + misskeyMention + " " + misskeyTag + " " + misskeyLink + "</p>", nil, []string{"href example.org"}},
		{"pleroma, gotosocial", "<p>" + pleromaMention + gtsMention + "</p>", nil, nil},
		{"users url of a mentioned account", `<p><a href="https://remote.example.net/users/name">name</a></p>`, []string{"https://remote.example.net/users/name"}, nil},
		{"the same link, no account mentioned", `<p><a href="https://remote.example.net/users/name">name</a></p>`, nil, []string{"href example.net"}},
		{"@ url of a mentioned account, other case and slash", `<p><a href="https://Remote.Example.NET/@name/">name</a></p>`, []string{"https://remote.example.net/@name"}, nil},
		{"@ text to a profile", "<p>" + bareUsersLink + "</p>", nil, nil},
		{"@ text to a page is a link", "<p>" + bareMention + "</p>", nil, []string{"href example.net"}},
		{"plain link", `<p><a href="https://shop.example.net/x">buy</a></p>`, nil, []string{"href example.net"}},
		{"bare host in text", "<p>go to moonxtrade.com now</p>", nil, []string{"text moonxtrade.com"}},
		{"hidden bare host still published", `<p><span class="invisible">moonxtrade.com</span></p>`, nil, []string{"text moonxtrade.com"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			x.HTML(tc.html, tc.mentions, func(r Ref) { got = append(got, r.FoundIn+" "+r.Domain) })
			sortStrings(got)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// FuzzVisible: any body reads without a panic into valid text no longer
// than a plain body was (each mention or URL leaves one space), and the
// HTML reader and the extractor agree on what they were given.
func FuzzVisible(f *testing.F) {
	f.Add("<p>"+mastodonMention+" hi "+mastodonLink+" "+mastodonTag+"</p>", true)
	f.Add("<p>"+misskeyMention+` <span class="invisible">x</span>`+misskeyLink+"</p>", true)
	f.Add("@alice@example.com hi https://example.org/x a@b.c @@x =@y @00000@0@0", false)
	x := New()
	f.Fuzz(func(t *testing.T, body string, isHTML bool) {
		v := x.Visible(body, isHTML, []string{"https://m.example.net/@a"})
		if utf8.ValidString(body) && !utf8.ValidString(v) {
			t.Fatalf("Visible(%q) = %q: not valid UTF-8", body, v)
		}
		if !isHTML && len(v) > len(body) {
			t.Fatalf("Visible(%q) = %q grew", body, v)
		}
		if isHTML {
			x.HTML(body, nil, func(r Ref) {
				if r.Host == "" || !strings.HasSuffix(r.Host, r.Domain) {
					t.Fatalf("bad ref %+v from %q", r, body)
				}
			})
		}
	})
}
