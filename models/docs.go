package models

import "time"

// DocPageRef is one entry of the docs index.
type DocPageRef struct {
	Slug    string `json:"slug"`
	Title   string `json:"title"`
	Section string `json:"section"` // sidebar section, e.g. "Getting started"
}

// DocsIndex is GET /api/v1/docs. Its ETag changes whenever any page does.
type DocsIndex struct {
	Version   string       `json:"version"`
	UpdatedAt time.Time    `json:"updated_at"`
	Pages     []DocPageRef `json:"pages"`
}

// DocPage is GET /api/v1/docs/{slug}: one page as Markdown.
type DocPage struct {
	Slug     string `json:"slug"`
	Title    string `json:"title"`
	Section  string `json:"section"`
	Markdown string `json:"markdown"`
	Version  string `json:"version"`
}
