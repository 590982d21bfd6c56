package store

import (
	"context"

	"github.com/penguinmails/pmdev/models"
)

// ContactStore keeps the product API's contacts.
type ContactStore interface {
	// GetContact finds a tenant's contact by email (ErrNotFound).
	GetContact(ctx context.Context, h Handle, tenantID, email string) (models.Contact, error)
	// PutContact inserts c, or replaces the attributes of the contact with its email.
	PutContact(ctx context.Context, h Handle, tenantID string, c models.Contact) error
}
