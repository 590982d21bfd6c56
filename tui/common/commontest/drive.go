package commontest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/penguinmails/pmdev/client"
)

// FixtureClient serves fixed JSON bodies by "METHOD /path" (query ignored)
// from an httptest server and returns a client for it. A value of type int is
// sent as that bare status (e.g. 503); unknown routes answer 404.
func FixtureClient(t testing.TB, routes map[string]any) *client.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := routes[r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery] // a route of one query first
		if !ok {
			body, ok = routes[r.Method+" "+r.URL.Path]
		}
		if !ok {
			w.Header().Set("Content-Type", "application/problem+json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"title":"not found","status":404,"error":"not_found","message":"no fixture"}`))
			return
		}
		if status, ok := body.(int); ok {
			w.WriteHeader(status)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
	}))
	t.Cleanup(srv.Close)
	return client.New(client.Options{BaseURL: srv.URL, Token: "pm_pat_fixture", RetryCount: -1, Timeout: 5 * time.Second})
}

// Drain runs cmd and feeds every message it produces back into update, until
// nothing is left. Batches and sequences are flattened; a command that does
// not return within a second (a timer) is dropped, so tests never wait on
// ticks. It returns the messages it delivered, for assertions.
func Drain(t testing.TB, update func(tea.Msg) tea.Cmd, cmd tea.Cmd) []tea.Msg {
	t.Helper()
	var delivered []tea.Msg
	queue := []tea.Cmd{cmd}
	for steps := 0; len(queue) > 0; steps++ {
		if steps > 1000 {
			t.Fatal("Drain: too many messages (a command loop?)")
		}
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		msg, ok := runWithTimeout(c, time.Second)
		if !ok || msg == nil {
			continue
		}
		switch m := msg.(type) {
		case tea.BatchMsg:
			queue = append(queue, m...)
			continue
		case tea.QuitMsg:
			delivered = append(delivered, msg)
			continue
		}
		if isSequence(msg) {
			queue = append(queue, sequenceCmds(msg)...)
			continue
		}
		if strings.HasPrefix(reflect.TypeOf(msg).String(), "tea.") && !isPublicTeaMsg(msg) {
			continue // terminal requests (background colour, …) have no answer here
		}
		delivered = append(delivered, msg)
		queue = append(queue, update(msg))
	}
	return delivered
}

// Collect runs cmd once and flattens batches into their messages; unlike
// Drain it feeds nothing back into a model.
func Collect(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	if b, ok := msg.(tea.BatchMsg); ok {
		var out []tea.Msg
		for _, c := range b {
			out = append(out, Collect(c)...)
		}
		return out
	}
	return []tea.Msg{msg}
}

func runWithTimeout(c tea.Cmd, d time.Duration) (tea.Msg, bool) {
	ch := make(chan tea.Msg, 1)
	go func() { ch <- c() }()
	select {
	case m := <-ch:
		return m, true
	case <-time.After(d):
		return nil, false
	}
}

// isSequence detects tea's unexported sequence message by its shape: a slice of Cmds.
func isSequence(msg tea.Msg) bool {
	v := reflect.ValueOf(msg)
	return v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeOf(tea.Cmd(nil))
}

func sequenceCmds(msg tea.Msg) []tea.Cmd {
	v := reflect.ValueOf(msg)
	out := make([]tea.Cmd, v.Len())
	for i := range out {
		out[i], _ = v.Index(i).Interface().(tea.Cmd)
	}
	return out
}

// isPublicTeaMsg keeps tea messages a model may legitimately receive.
func isPublicTeaMsg(msg tea.Msg) bool {
	switch msg.(type) {
	case tea.KeyPressMsg, tea.WindowSizeMsg, tea.BackgroundColorMsg, tea.PasteMsg, tea.MouseClickMsg:
		return true
	}
	return false
}

var namedKeys = map[string]tea.KeyPressMsg{
	"enter":     {Code: tea.KeyEnter},
	"tab":       {Code: tea.KeyTab},
	"shift+tab": {Code: tea.KeyTab, Mod: tea.ModShift},
	"esc":       {Code: tea.KeyEscape},
	"up":        {Code: tea.KeyUp},
	"down":      {Code: tea.KeyDown},
	"left":      {Code: tea.KeyLeft},
	"right":     {Code: tea.KeyRight},
	"pgdown":    {Code: tea.KeyPgDown},
	"backspace": {Code: tea.KeyBackspace},
	"space":     {Code: tea.KeySpace, Text: " "},
	"ctrl+c":    {Code: 'c', Mod: tea.ModCtrl},
}

// Key is a key press as Bubble Tea delivers it: "q", "enter", "tab",
// "shift+tab", "esc", "up", "down", "left", "right", "pgdown", "backspace",
// "ctrl+c", "space" or a single rune.
func Key(s string) tea.KeyPressMsg {
	if k, ok := namedKeys[s]; ok {
		return k
	}
	r := []rune(s)[0]
	return tea.KeyPressMsg{Code: r, Text: s}
}

// Unreachable is a client for tests that build commands without running
// them (a pane only starts requests when it has a client); run anyway, a
// request fails at once.
func Unreachable() *client.Client {
	return client.New(client.Options{BaseURL: "http://127.0.0.1:1", RetryCount: -1})
}
