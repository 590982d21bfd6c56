// Package perms formats permission lists for the Keys pane: badges for
// the list, groups for the details view, and a stable order.
package perms

import (
	"slices"
	"strings"

	"github.com/penguinmails/pmdev/models"
)

// Badge is the badge text of a permission in the list; the list has room
// for a few characters per permission only.
func Badge(name string) string { return models.PermissionBadge(name) }

// Order sorts permission names by catalogue order so badges and diffs are stable.
func Order(perms []string) []string {
	cat := models.PermissionCatalogue()
	idx := make(map[string]int, len(cat))
	for i, p := range cat {
		idx[p.Name] = i
	}
	out := slices.Clone(perms)
	slices.SortStableFunc(out, func(a, b string) int {
		ia, oka := idx[a]
		ib, okb := idx[b]
		switch {
		case oka && okb:
			return ia - ib
		case oka:
			return -1
		case okb:
			return 1
		}
		return strings.Compare(a, b)
	})
	return out
}

// Badges joins the badges of a key's permissions.
func Badges(perms []string) string {
	ordered := Order(perms)
	parts := make([]string, len(ordered))
	for i, p := range ordered {
		parts[i] = Badge(p)
	}
	return strings.Join(parts, " ")
}

// Groups returns the key's permissions grouped by catalogue category, in
// category order; unknown names land in "Other".
func Groups(perms []string) [][2]string {
	byCat := map[string][]string{}
	for _, name := range Order(perms) {
		cat := "Other"
		label := name
		if p, ok := models.LookupPermission(name); ok {
			cat, label = p.Category, p.Label
		}
		byCat[cat] = append(byCat[cat], label)
	}
	var out [][2]string
	for _, c := range append(slices.Clone(models.PermissionCategories), "Other") {
		if l := byCat[c]; len(l) > 0 {
			out = append(out, [2]string{c, strings.Join(l, ", ")})
		}
	}
	return out
}
