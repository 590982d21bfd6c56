package apidocs

import (
	"os"
	"strings"
	"testing"
)

func testAPI() *Library {
	lib, err := LoadEmbedded(os.DirFS("../../api"))
	if err != nil {
		panic(err)
	}
	return lib
}

func TestSearchTitlesFirst(t *testing.T) {
	lib := testAPI()
	hits := lib.Search("rate limit")
	if len(hits) < 3 {
		t.Fatalf("hits = %+v", hits)
	}
	seenBody := false
	for _, h := range hits {
		if !h.TitleMatch {
			seenBody = true
		} else if seenBody {
			t.Fatalf("title match %s after a body-only match: %+v", h.Slug, hits)
		}
	}
	if !hits[0].TitleMatch || !strings.HasPrefix(strings.ToLower(hits[0].Title), "rate limit") {
		t.Errorf("first hit = %+v, want a page titled Rate limit…", hits[0])
	}
	if got := lib.Search("X-RateLimit-Remaining"); len(got) == 0 || got[0].Count == 0 {
		t.Errorf("header name not found in any body: %+v", got)
	}
	if got := lib.Search("pmdev:op"); len(got) != 0 {
		t.Errorf("metadata comments are searchable: %+v", got)
	}
	if got := lib.Search("zzz-no-such-text"); len(got) != 0 {
		t.Errorf("nonsense matched: %+v", got)
	}
}

func TestStripComments(t *testing.T) {
	md := "# A\n\n<!-- gen -->\n\ntext <!-- x --> more\n<!-- multi\nline -->\nafter\n\n```html\n<!-- kept -->\n```\n"
	got := StripComments(md)
	want := "# A\n\ntext  more\nafter\n\n```html\n<!-- kept -->\n```\n"
	if got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	for _, r := range testAPI().Index.Pages {
		if s := StripComments(Expand(testAPI().Pages[r.Slug], LangCurl, "http://x")); strings.Contains(s, "<!--") {
			t.Errorf("%s keeps a comment", r.Slug)
		}
	}
}

// A list item written over two source lines is joined into one paragraph;
// code blocks keep their line breaks.
func TestListItemsJoin(t *testing.T) {
	md := "- **One.** first line of the item\n  continues here.\n- two\n\n```\n- code\n  stays\n```\n"
	got := joinListLines(md)
	if !strings.Contains(got, "- **One.** first line of the item continues here.\n- two") {
		t.Fatalf("item not joined:\n%s", got)
	}
	if !strings.Contains(got, "- code\n  stays") {
		t.Fatalf("code block changed:\n%s", got)
	}
}
