package webhook

// BlockedSpellings is shared with the API tests of package webhook_test.
var BlockedSpellings = blockedSpellings
