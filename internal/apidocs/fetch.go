package apidocs

import (
	"context"
	"fmt"

	"github.com/penguinmails/pmdev/client"
)

// FetchLive downloads the reference from the API, reusing the pages of any
// held copy of the same version. It returns client.ErrNotModified when the
// index is unchanged since this client's last call.
func FetchLive(ctx context.Context, c *client.Client, have ...*Library) (*Library, error) {
	idx, err := c.DocsIndex(ctx)
	if err != nil {
		return nil, err
	}
	lib := &Library{Index: idx, Pages: map[string]string{}, Source: SourceLive, Origin: c.BaseURL()}
	var same *Library
	for _, h := range have {
		if h != nil && h.Index.Version == idx.Version {
			same = h
			break
		}
	}
	for _, r := range idx.Pages {
		if same != nil {
			if md, ok := same.Pages[r.Slug]; ok {
				lib.Pages[r.Slug] = md
				continue
			}
		}
		p, err := c.DocPage(ctx, r.Slug)
		if err == client.ErrNotModified {
			for _, h := range have {
				if h != nil && h.Pages[r.Slug] != "" {
					lib.Pages[r.Slug] = h.Pages[r.Slug]
				}
			}
			if _, ok := lib.Pages[r.Slug]; ok {
				continue
			}
			c.ForgetETags()
			p, err = c.DocPage(ctx, r.Slug)
		}
		if err != nil {
			return nil, fmt.Errorf("docs page %s: %w", r.Slug, err)
		}
		lib.Pages[r.Slug] = p.Markdown
	}
	return lib.prepare(), nil
}
