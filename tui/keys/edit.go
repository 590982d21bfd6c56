package keys

import (
	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/tui/common"
	"github.com/penguinmails/pmdev/tui/component/dialog"
	"github.com/penguinmails/pmdev/tui/keys/wizard"
)

// wizardHost is the pane as the wizard sees it: the action gate, request
// numbering and the API calls.
type wizardHost struct{ m *Model }

func (h wizardHost) Guard() (tea.Cmd, string) {
	if cmd, ok := h.m.guard(); !ok {
		return cmd, h.m.notice
	}
	return nil, ""
}

func (h wizardHost) NextID() uint64 { return h.m.nextID() }

func (h wizardHost) Create(id uint64, req models.CreateAPIKeyRequest) tea.Cmd {
	if h.m.ctx.Client == nil {
		return nil
	}
	return createKey(h.m.ctx.Client, id, req)
}

func (h wizardHost) Update(id uint64, keyID string, req models.UpdateAPIKeyRequest) tea.Cmd {
	if h.m.ctx.Client == nil {
		return nil
	}
	return updateKey(h.m.ctx.Client, id, keyID, req)
}

// openWizard starts the creation wizard in place of whatever was open.
func (m *Model) openWizard() tea.Cmd {
	if cmd, ok := m.guard(); !ok {
		return cmd
	}
	m.dialogs.Clear()
	w := wizard.New(m.ctx, wizardHost{m})
	w.SetSize(m.width, m.height)
	m.dialogs.Push(w)
	return w.Focus()
}

// openEdit opens the form prefilled with the key, over the details if
// open; at (e.g. (*wizard.Model).OpenAllowList) opens it at one field,
// nil at the first.
func (m *Model) openEdit(k *models.APIKey, at func(*wizard.Model) tea.Cmd) tea.Cmd {
	if cmd, ok := m.canAct(k, "edited"); !ok {
		return cmd
	}
	w := wizard.NewEdit(m.ctx, wizardHost{m}, k)
	w.SetSize(m.width, m.height)
	m.dialogs.Push(w)
	if at == nil {
		at = (*wizard.Model).Focus
	}
	return at(w)
}

func (m *Model) onUpdated(msg updatedMsg) tea.Cmd {
	w, ok := dialog.Find[*wizard.Model](&m.dialogs)
	if !ok || !w.Editing() || msg.ReqID != w.ReqID() {
		return nil
	}
	if msg.err != nil {
		return w.Failed(msg.err, m.actionError(msg.err))
	}
	m.dialogs.Remove(w)
	m.applyKey(msg.key)
	m.setNotice("Saved "+common.Sanitize(msg.key.Name)+".", false)
	return tea.Batch(common.Status("API key updated", common.LevelSuccess), m.refreshDetails())
}

// applyKey replaces (or inserts) one key locally, without a reload.
func (m *Model) applyKey(k models.APIKey) {
	if k.KeyID == "" {
		return
	}
	if i, ok := m.byID[k.KeyID]; ok {
		m.all[i] = k
		m.meta[i] = newMeta(&m.all[i], m.ctx.Now())
	} else {
		m.all = append(m.all, k)
		m.meta = append(m.meta, newMeta(&m.all[len(m.all)-1], m.ctx.Now()))
		m.byID[k.KeyID] = len(m.all) - 1
	}
	m.rebuild()
}
