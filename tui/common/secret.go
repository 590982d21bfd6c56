package common

import "log/slog"

// Secret holds a plaintext shown once (an API key, a signing secret). Every
// way of printing it is redacted, so a stray %v, a log line or a panic dump
// cannot leak it.
type Secret struct{ v string }

// NewSecret wraps a plaintext.
func NewSecret(v string) Secret { return Secret{v} }

// Reveal returns the plaintext; only the show-once dialogs, the clipboard
// and the .env writer call it.
func (s Secret) Reveal() string { return s.v }

func (s Secret) String() string               { return "[redacted]" }
func (s Secret) GoString() string             { return "[redacted]" }
func (s Secret) LogValue() slog.Value         { return slog.StringValue("[redacted]") }
func (s Secret) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }
