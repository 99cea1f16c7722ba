package gen

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"time"
)

type jsonAccount struct {
	ID           string          `json:"id"`
	Username     string          `json:"username"`
	Acct         string          `json:"acct"`
	DisplayName  string          `json:"display_name"`
	Locked       bool            `json:"locked"`
	Bot          bool            `json:"bot"`
	Discoverable bool            `json:"discoverable"`
	Group        bool            `json:"group"`
	CreatedAt    string          `json:"created_at"`
	Note         string          `json:"note"`
	URL          string          `json:"url"`
	URI          string          `json:"uri"`
	Fields       json.RawMessage `json:"fields"`
}

type jsonIP struct {
	IP     string `json:"ip"`
	UsedAt string `json:"used_at"`
}

type jsonAdminAccount struct {
	ID                     string      `json:"id"`
	Username               string      `json:"username"`
	Domain                 *string     `json:"domain"`
	CreatedAt              string      `json:"created_at"`
	Email                  string      `json:"email"`
	IP                     string      `json:"ip"`
	IPs                    []jsonIP    `json:"ips"`
	Locale                 string      `json:"locale"`
	Role                   any         `json:"role"`
	Confirmed              bool        `json:"confirmed"`
	Approved               bool        `json:"approved"`
	Disabled               bool        `json:"disabled"`
	Silenced               bool        `json:"silenced"`
	Suspended              bool        `json:"suspended"`
	Account                jsonAccount `json:"account"`
	CreatedByApplicationID string      `json:"created_by_application_id,omitempty"`
}

type jsonMention struct {
	ID       string `json:"id"`
	Username string `json:"username"`
	URL      string `json:"url"`
	Acct     string `json:"acct"`
}

type jsonTag struct {
	Name string `json:"name"`
	URL  string `json:"url"`
}

type jsonApp struct {
	Name    string  `json:"name"`
	Website *string `json:"website"`
}

type jsonCard struct {
	URL          string `json:"url"`
	Title        string `json:"title"`
	Description  string `json:"description"`
	Type         string `json:"type"`
	ProviderName string `json:"provider_name"`
	ProviderURL  string `json:"provider_url"`
}

type jsonMedia struct {
	ID          string          `json:"id"`
	Type        string          `json:"type"`
	URL         string          `json:"url"`
	PreviewURL  string          `json:"preview_url"`
	RemoteURL   *string         `json:"remote_url"`
	Meta        json.RawMessage `json:"meta"`
	Description *string         `json:"description"`
	Blurhash    string          `json:"blurhash"`
}

type jsonStatus struct {
	ID                 string        `json:"id"`
	CreatedAt          string        `json:"created_at"`
	InReplyToID        *string       `json:"in_reply_to_id"`
	InReplyToAccountID *string       `json:"in_reply_to_account_id"`
	Sensitive          bool          `json:"sensitive"`
	SpoilerText        string        `json:"spoiler_text"`
	Visibility         string        `json:"visibility"`
	Language           string        `json:"language"`
	URI                string        `json:"uri"`
	URL                string        `json:"url"`
	Content            string        `json:"content"`
	Reblog             *jsonStatus   `json:"reblog"`
	Application        *jsonApp      `json:"application,omitempty"`
	Account            jsonAccount   `json:"account"`
	MediaAttachments   []jsonMedia   `json:"media_attachments"`
	Mentions           []jsonMention `json:"mentions"`
	Tags               []jsonTag     `json:"tags"`
	Card               *jsonCard     `json:"card"`
	EditedAt           *string       `json:"edited_at"`
}

type jsonApplication struct {
	ID           string   `json:"id"`
	Name         string   `json:"name"`
	Website      *string  `json:"website"`
	Scopes       []string `json:"scopes"`
	RedirectURI  string   `json:"redirect_uri"`
	RedirectURIs []string `json:"redirect_uris"`
	ClientID     string   `json:"client_id"`
	ClientSecret string   `json:"client_secret"`
}

func iso(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func ptr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (a *account) json(instance string) jsonAccount {
	fields := json.RawMessage("[]")
	if a.fields != "" {
		fields = json.RawMessage(a.fields)
	}
	return jsonAccount{ID: strconv.FormatInt(a.id, 10), Username: a.username, Acct: a.acct(), DisplayName: a.displayName,
		Discoverable: a.campaign == "", CreatedAt: a.created.UTC().Truncate(24 * time.Hour).Format("2006-01-02T15:04:05.000Z"),
		Note: "<p>" + escape(a.note) + "</p>", URL: a.url(instance), URI: a.uri(instance), Fields: fields}
}

// writeAPI writes the REST-API-export instance: admin accounts as JSON
// Lines, statuses and applications as JSON arrays.
func (w *world) writeAPI(dir string, cfg Config, truth *Truth) error {
	if err := os.Mkdir(dir, 0o755); err != nil {
		return fmt.Errorf("gen: %w", err)
	}
	start, end, burstAt := period()
	taken := map[string]bool{}
	apps := w.instanceApps(1, start.Add(-300*24*time.Hour))
	campaignApp := &app{id: 41, name: "MastoBoost", website: CampaignAppWebsite, redirect: CampaignAppWebsite + "/oauth/callback",
		uid: w.token(43), secret: w.token(43), created: burstAt.Add(20 * time.Minute)}
	apps = append(apps, campaignApp)
	for _, a := range apps {
		truth.Secrets = append(truth.Secrets, a.secret)
	}
	ordinary := w.ordinaryAccounts(max(cfg.Accounts/7, 30), taken, apps)
	burst := w.burstAccounts(30, burstAt.Add(28*time.Minute), 10, campaignApp.id, taken)
	quiet := w.quietAccounts(10, taken)
	locals := append(append(append([]*account{}, ordinary...), burst...), quiet...)
	sort.SliceStable(locals, func(i, j int) bool { return locals[i].created.Before(locals[j].created) })
	for _, a := range locals {
		a.id = w.snowflake(a.created)
		if a.campaign != "" {
			truth.Campaigns[a.campaign] = append(truth.Campaigns[a.campaign], APIInstance+"/"+strconv.FormatInt(a.id, 10))
		}
	}

	f, err := os.Create(filepath.Join(dir, "admin_accounts.jsonl"))
	if err != nil {
		return fmt.Errorf("gen: %w", err)
	}
	bw := bufio.NewWriter(f)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, a := range locals {
		ips := []jsonIP{{IP: a.ip, UsedAt: iso(a.created)}}
		if a.campaign == "" && w.rng.IntN(3) == 0 {
			ips = append(ips, jsonIP{IP: w.residentialIP(), UsedAt: iso(a.created.Add(72 * time.Hour))})
		}
		aa := jsonAdminAccount{ID: strconv.FormatInt(a.id, 10), Username: a.username, CreatedAt: iso(a.created), Email: a.email,
			IP: ips[len(ips)-1].IP, IPs: ips, Locale: "en", Confirmed: a.confirmed, Approved: true, Account: a.json(APIInstance)}
		if a.appID != 0 {
			aa.CreatedByApplicationID = strconv.FormatInt(a.appID, 10)
		}
		if err := enc.Encode(aa); err != nil {
			f.Close()
			return fmt.Errorf("gen: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}

	// Statuses: ordinary ones, the burst's private mentions, the quiet posts.
	var all []*status
	n := max(cfg.Statuses/7, 150)
	for i := 0; i < n; i++ {
		t := start.Add(time.Duration(w.rng.Int64N(int64(end.Sub(start))))).Truncate(time.Millisecond)
		// ordinary is sorted by sign-up time: those signed up before t are a prefix.
		eligible := ordinary[:sort.Search(len(ordinary), func(i int) bool { return !ordinary[i].created.Before(t) })]
		if len(eligible) == 0 {
			continue
		}
		all = append(all, w.ordinaryStatus(eligible[w.rng.IntN(len(eligible))], t, ordinary, APIInstance, apps))
	}
	for _, a := range burst {
		for i := 0; i < 3+w.rng.IntN(2); i++ {
			t := a.created.Add(time.Duration(30+w.rng.IntN(5400)) * time.Second).Truncate(time.Millisecond)
			all = append(all, w.burstStatus(a, t, ordinary, campaignApp.id))
		}
	}
	for _, a := range quiet {
		for i := 0; i < 4+w.rng.IntN(4); i++ {
			t := a.created.Add(time.Duration(1+i*2) * 24 * time.Hour).Add(time.Duration(w.rng.IntN(3600)) * time.Second)
			all = append(all, w.quietStatus(a, t, QuietDomains()[1:], apps))
		}
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].created.Before(all[j].created) })
	appByID := map[int64]*app{}
	for _, a := range apps {
		appByID[a.id] = a
	}
	arr, err := newJSONArray(filepath.Join(dir, "statuses.json"))
	if err != nil {
		return err
	}
	// The federated wave as this instance received it: its statuses keep
	// the wave's own Snowflakes, after the others.
	wv := newWave(cfg.Seed, APIInstance, 15, 8, ordinary, taken)
	for _, a := range wv.accounts {
		truth.Campaigns[CampaignFedWave] = append(truth.Campaigns[CampaignFedWave], APIInstance+"/"+strconv.FormatInt(a.id, 10))
	}
	at := newAttachments(cfg.Seed, 4)
	for _, s := range all {
		s.id = w.snowflake(s.created)
		js := jsonStatus{ID: strconv.FormatInt(s.id, 10), CreatedAt: iso(s.created), Visibility: []string{"public", "unlisted", "private", "direct"}[s.visibility],
			Language: "en", URI: fmt.Sprintf("https://%s/users/%s/statuses/%d", APIInstance, s.account.username, s.id),
			URL: fmt.Sprintf("https://%s/@%s/%d", APIInstance, s.account.username, s.id), Content: html(s.segs, APIInstance),
			Account: s.account.json(APIInstance), MediaAttachments: []jsonMedia{}, Mentions: []jsonMention{}, Tags: []jsonTag{}}
		if a := appByID[s.appID]; a != nil && w.rng.IntN(10) > 0 {
			js.Application = &jsonApp{Name: a.name, Website: ptr(a.website)}
		}
		for _, m := range s.mentions {
			js.Mentions = append(js.Mentions, jsonMention{ID: strconv.FormatInt(m.id, 10), Username: m.username, URL: m.url(APIInstance), Acct: m.acct()})
		}
		for _, sg := range s.segs {
			if sg.kind == 'h' {
				js.Tags = append(js.Tags, jsonTag{Name: sg.value, URL: "https://" + APIInstance + "/tags/" + sg.value})
			}
		}
		if s.card != "" {
			title, provider, typ := cardOf(s.card)
			js.Card = &jsonCard{URL: s.card, Title: title, Type: []string{"link", "photo", "video", "rich"}[typ], ProviderName: provider,
				ProviderURL: "https://" + cardHost(s.card) + "/"}
		}
		for _, m := range at.media(s) {
			js.MediaAttachments = append(js.MediaAttachments, jsonMedia{ID: strconv.FormatInt(m.id, 10), Type: "image",
				URL: mediaURL(APIInstance, m.id, "original", m.fileName), PreviewURL: mediaURL(APIInstance, m.id, "small", m.fileName),
				Meta: json.RawMessage(fileMeta(m.width, m.height)), Description: ptr(m.description), Blurhash: m.blurhash})
		}
		arr.add(js)
	}
	for _, s := range wv.statuses {
		arr.add(wv.apiStatus(s, APIInstance))
	}
	if err := arr.close(); err != nil {
		return err
	}
	var japps []jsonApplication
	for _, a := range apps {
		japps = append(japps, jsonApplication{ID: strconv.FormatInt(a.id, 10), Name: a.name, Website: ptr(a.website),
			Scopes: []string{"read", "write", "follow", "push"}, RedirectURI: a.redirect, RedirectURIs: []string{a.redirect},
			ClientID: a.uid, ClientSecret: a.secret})
	}
	return writeJSON(filepath.Join(dir, "applications.json"), japps)
}

// jsonArray writes a JSON array element by element, byte for byte as
// writeJSON would write the whole slice, without holding it in memory.
type jsonArray struct {
	f   *os.File
	w   *bufio.Writer
	n   int
	err error
}

func newJSONArray(p string) (*jsonArray, error) {
	f, err := os.Create(p)
	if err != nil {
		return nil, fmt.Errorf("gen: %w", err)
	}
	return &jsonArray{f: f, w: bufio.NewWriterSize(f, 1<<20)}, nil
}

func (a *jsonArray) add(v any) {
	if a.err != nil {
		return
	}
	b, err := json.MarshalIndent(v, " ", " ")
	if err != nil {
		a.err = fmt.Errorf("gen: %w", err)
		return
	}
	if a.n == 0 {
		a.w.WriteString("[\n ")
	} else {
		a.w.WriteString(",\n ")
	}
	a.n++
	a.w.Write(b)
}

func (a *jsonArray) close() error {
	if a.n == 0 {
		a.w.WriteString("[]\n")
	} else {
		a.w.WriteString("\n]\n")
	}
	if err := a.w.Flush(); err != nil && a.err == nil {
		a.err = fmt.Errorf("gen: %w", err)
	}
	if err := a.f.Close(); err != nil && a.err == nil {
		a.err = fmt.Errorf("gen: %w", err)
	}
	return a.err
}

func writeJSON(p string, v any) error {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return fmt.Errorf("gen: %w", err)
	}
	return os.WriteFile(p, append(b, '\n'), 0o644)
}
