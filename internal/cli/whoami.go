package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/penguinmails/pmdev/tui/common"
)

func newWhoamiCmd(o *apiOpts, ios *streams) *cobra.Command {
	return &cobra.Command{
		Use:   "whoami",
		Short: "Show who the token belongs to, and where it points",
		Args:  noArgs,
		RunE: o.run(ios, func(s *session, _ []string) error {
			me, err := s.cl.Me(s.ctx)
			return s.answer(me, err, func() error {
				api := s.cl.BaseURL()
				if s.sandbox {
					api += " (sandbox)"
				}
				plan := common.Sanitize(firstNonEmpty(me.Tenant.Plan.DisplayName, me.Tenant.Plan.Name))
				keys := "no (members may read, not manage)"
				if me.CanManageKeys {
					keys = "yes"
				}
				s.out.fields([]field{
					{label: "Email", value: common.Sanitize(me.Email)},
					{label: "Role", value: common.Sanitize(me.Role)},
					{label: "Organisation", value: common.Sanitize(me.Tenant.Name) + " (" + common.Sanitize(me.Tenant.ID) + ")"},
					{label: "Plan", value: fmt.Sprintf("%s · %d req/min · burst %d per key", plan, me.Tenant.Plan.LimitPerMinute, me.Tenant.Plan.Burst)},
					{label: "Manage keys", value: keys},
					{label: "API", value: common.Sanitize(api)},
				})
				return nil
			})
		}),
	}
}
