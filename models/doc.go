// Package models holds the JSON types shared by the API client and the
// reference server. It imports nothing else from this module, so both sides
// agree on the wire format by construction.
package models
