package models

import "time"

// Roles a tenant user can hold.
const (
	RoleAdmin     = "admin"
	RoleDeveloper = "developer"
	RoleMember    = "member"
)

// Plans and their per-minute limits.
const (
	PlanStarter      = "starter"
	PlanProfessional = "professional"
	PlanBusiness     = "business"
)

// Plan describes a subscription plan's rate limit.
type Plan struct {
	Name           string `json:"name"`
	DisplayName    string `json:"display_name"`
	LimitPerMinute int    `json:"limit_per_minute"`
	Burst          int    `json:"burst"`
}

// Plans is the plan catalogue, cheapest first.
func Plans() []Plan {
	return []Plan{
		{Name: PlanStarter, DisplayName: "Starter", LimitPerMinute: 60, Burst: 100},
		{Name: PlanProfessional, DisplayName: "Professional", LimitPerMinute: 300, Burst: 500},
		{Name: PlanBusiness, DisplayName: "Business", LimitPerMinute: 1000, Burst: 2000},
	}
}

// PlanByName returns the plan with that name.
func PlanByName(name string) (Plan, bool) {
	for _, p := range Plans() {
		if p.Name == name {
			return p, true
		}
	}
	return Plan{}, false
}

// Tenant is the organisation a user belongs to.
type Tenant struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Plan Plan   `json:"plan"`
}

// Me is the identity behind the bearer token (GET /api/v1/me).
type Me struct {
	UserID    string    `json:"user_id"`
	Email     string    `json:"email"`
	Role      string    `json:"role"`
	Tenant    Tenant    `json:"tenant"`
	CreatedAt time.Time `json:"created_at"`
	// CanManageKeys is false for members; the console uses it to explain, not to enforce.
	CanManageKeys bool `json:"can_manage_keys"`
	// CanGrantAdmin is true only for admins.
	CanGrantAdmin bool `json:"can_grant_admin"`
}
