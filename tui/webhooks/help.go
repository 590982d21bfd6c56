package webhooks

import (
	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"

	"github.com/penguinmails/pmdev/tui/common"
)

// KeyMap implements common.Pane; it follows what the current view offers.
func (m *Model) KeyMap() help.KeyMap {
	return keyMap{m: m}
}

type keyMap struct{ m *Model }

func (k keyMap) ShortHelp() []key.Binding {
	wk := k.m.ctx.Keys.Webhooks
	switch {
	case !k.m.dialogs.Empty():
		return k.m.dialogs.ShortHelp()
	case k.m.forbidden && k.m.view == viewList:
		return nil
	case k.m.view == viewDelivery:
		return []key.Binding{wk.Up, wk.Down, wk.Retry, common.BackHelp(k.m.ctx.Keys)}
	case k.m.view == viewDetails:
		return []key.Binding{wk.Open, wk.Filter, wk.Retry, wk.RetryAll, wk.Edit, wk.Test, wk.Pause, common.BackHelp(k.m.ctx.Keys)}
	case len(k.m.list) == 0:
		// Nothing to act on: only creating makes sense.
		return []key.Binding{wk.Create}
	}
	return []key.Binding{wk.Open, wk.Create, wk.Edit, wk.Test, wk.Pause, wk.RotateSecret, wk.Delete}
}

func (k keyMap) FullHelp() [][]key.Binding {
	wk := k.m.ctx.Keys.Webhooks
	if !k.m.dialogs.Empty() {
		return k.m.dialogs.FullHelp()
	}
	if k.m.view == viewList && (len(k.m.list) == 0 || k.m.forbidden) {
		return [][]key.Binding{k.ShortHelp()}
	}
	return [][]key.Binding{
		{wk.Up, wk.Down, wk.Top, wk.Bottom, wk.Open, wk.Filter, wk.Copy},
		{wk.Create, wk.Edit, wk.Test, wk.Pause, wk.RotateSecret},
		{wk.Retry, wk.RetryAll, wk.Delete},
	}
}
