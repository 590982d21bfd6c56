package models

// Problem is an RFC 9457 problem document. It also carries the legacy
// "error" and "message" fields that PenguinMails clients already read.
type Problem struct {
	Type     string `json:"type"`
	Title    string `json:"title"`
	Status   int    `json:"status"`
	Detail   string `json:"detail,omitempty"`
	Instance string `json:"instance,omitempty"`

	// Error is a stable machine code, e.g. "invalid_token", "rate_limit_exceeded".
	Error   string `json:"error"`
	Message string `json:"message"`

	// RetryAfter is set on 429 responses (seconds).
	RetryAfter int `json:"retry_after,omitempty"`
	// Permission names the missing permission on 403 responses.
	Permission string `json:"permission,omitempty"`
	// Errors lists per-field validation failures on 400/422 responses.
	Errors []FieldError `json:"errors,omitempty"`
}

// FieldError ties a validation message to the request field it concerns.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Pagination is returned by list endpoints.
type Pagination struct {
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
	Total   int `json:"total"`
}
