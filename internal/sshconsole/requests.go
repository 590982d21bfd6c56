package sshconsole

import (
	"net"
	"strings"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"
)

// The largest terminal a session renders: the renderer keeps a cell buffer
// of the window's size, so a client claiming 20000×20000 would otherwise
// cost gigabytes. Larger windows render as if they were this size.
const (
	maxTermCols = 500
	maxTermRows = 200
)

const (
	maxEnvPerSession = 64   // env requests kept per session
	maxEnvBytes      = 4096 // name and value of one variable
)

// clampWindow bounds a window size (columns, rows; pixels are dropped when
// the cells are clamped, since they no longer describe the same window).
func clampWindow(cols, rows, wpx, hpx uint32) (uint32, uint32, uint32, uint32) {
	if cols > maxTermCols || rows > maxTermRows {
		wpx, hpx = 0, 0
	}
	return min(cols, maxTermCols), min(rows, maxTermRows), wpx, hpx
}

// ptyRequest and windowChange are the wire forms of RFC 4254 §6.2 and §6.7.
type ptyRequest struct {
	Term                 string
	Cols, Rows, WPx, HPx uint32
	Modes                string
}

type windowChange struct {
	Cols, Rows, WPx, HPx uint32
}

// clampPty rewrites a pty-req payload in place so that nothing after it
// (the SSH session, the console) sees a larger window. A payload that does
// not parse is left for the SSH layer to refuse.
func clampPty(req *gossh.Request) {
	var p ptyRequest
	if gossh.Unmarshal(req.Payload, &p) != nil {
		return
	}
	p.Cols, p.Rows, p.WPx, p.HPx = clampWindow(p.Cols, p.Rows, p.WPx, p.HPx)
	req.Payload = gossh.Marshal(&p)
}

// clampedWindow parses a window-change payload into a bounded size.
func clampedWindow(payload []byte) (ssh.Window, bool) {
	var w windowChange
	if gossh.Unmarshal(payload, &w) != nil {
		return ssh.Window{}, false
	}
	w.Cols, w.Rows, w.WPx, w.HPx = clampWindow(w.Cols, w.Rows, w.WPx, w.HPx)
	return ssh.Window{Width: int(w.Cols), Height: int(w.Rows), WidthPixels: int(w.WPx), HeightPixels: int(w.HPx)}, true
}

// refusedSessionRequests are per-session requests the console never grants;
// each is answered "no" and audited.
var refusedSessionRequests = map[string]string{
	"auth-agent-req@openssh.com": "agent_forward",
	"x11-req":                    "x11_forward",
	"subsystem":                  "subsystem", // sftp (and scp since OpenSSH 9)
}

// sessionChannel wraps the SSH layer's session handler: it caps channels per
// connection, clamps window sizes, bounds env requests and refuses (with an
// audit record) agent and X11 forwarding and subsystems.
func (s *Service) sessionChannel(srv *ssh.Server, conn *gossh.ServerConn, nc gossh.NewChannel, ctx ssh.Context) {
	st := connFrom(ctx)
	if st == nil || !st.openChannel() {
		s.refuse(ctx, "max_sessions_per_connection")
		_ = nc.Reject(gossh.ResourceShortage, "too many sessions on this connection")
		return
	}
	defer st.closeChannel()
	ssh.DefaultSessionHandler(srv, conn, &filteredChannel{NewChannel: nc, svc: s, ctx: ctx}, ctx)
}

// bindRequest is sent by the session's own handler to its channel (never
// to the client) to find the channel's window stream.
const bindRequest = "pmdev-bind@local"

// windowStream carries a session's (clamped) window changes to its console.
// Window changes never reach the SSH layer, whose session writes the size
// that Pty() reads without a lock.
type windowStream struct{ c chan ssh.Window }

// push keeps only the latest size.
func (w *windowStream) push(win ssh.Window) {
	for {
		select {
		case w.c <- win:
			return
		default:
			select {
			case <-w.c:
			default:
			}
		}
	}
}

// filteredChannel hands the session handler a filtered request stream and
// a channel that answers bindRequest.
type filteredChannel struct {
	gossh.NewChannel
	svc *Service
	ctx ssh.Context
}

func (f *filteredChannel) Accept() (gossh.Channel, <-chan *gossh.Request, error) {
	ch, reqs, err := f.NewChannel.Accept()
	if err != nil {
		return ch, reqs, err
	}
	ws := &windowStream{c: make(chan ssh.Window, 1)}
	return &boundChannel{Channel: ch, svc: f.svc, windows: ws}, f.svc.filterSessionRequests(f.ctx, reqs, ws), nil
}

type boundChannel struct {
	gossh.Channel
	svc     *Service
	windows *windowStream
}

func (b *boundChannel) SendRequest(name string, wantReply bool, payload []byte) (bool, error) {
	if name == bindRequest {
		b.svc.windows.Store(string(payload), b.windows)
		return true, nil
	}
	return b.Channel.SendRequest(name, wantReply, payload)
}

// windowsOf is the window stream of sess's channel (nil if unknown).
func (s *Service) windowsOf(sess ssh.Session, id string) <-chan ssh.Window {
	if ok, _ := sess.SendRequest(bindRequest, false, []byte(id)); !ok {
		return nil
	}
	if ws, ok := s.windows.LoadAndDelete(id); ok {
		return ws.(*windowStream).c
	}
	return nil
}

func (s *Service) filterSessionRequests(ctx ssh.Context, in <-chan *gossh.Request, windows *windowStream) <-chan *gossh.Request {
	out := make(chan *gossh.Request)
	go func() {
		defer close(out)
		envs, pty := 0, false
		for req := range in {
			if reason, ok := refusedSessionRequests[req.Type]; ok {
				if req.Type == "subsystem" && subsystemName(req.Payload) == "sftp" {
					reason = "sftp"
				}
				s.refuse(ctx, reason)
				_ = req.Reply(false, nil)
				continue
			}
			switch req.Type {
			case "pty-req":
				clampPty(req)
				pty = true
			case "window-change":
				w, ok := clampedWindow(req.Payload)
				if ok && pty {
					windows.push(w)
				}
				_ = req.Reply(ok && pty, nil)
				continue
			case "env":
				if envs++; envs > maxEnvPerSession || len(req.Payload) > maxEnvBytes {
					_ = req.Reply(false, nil)
					continue
				}
			}
			out <- req
		}
	}()
	return out
}

func subsystemName(payload []byte) string {
	var p struct{ Name string }
	if gossh.Unmarshal(payload, &p) != nil {
		return ""
	}
	return p.Name
}

// refusedChannels maps channel types the console never opens to the audit
// reason. Local (-L) and dynamic (-D) forwarding both arrive as direct-tcpip:
// the protocol does not tell them apart.
var refusedChannels = map[string]string{
	"direct-tcpip":                   "port_forward",
	"direct-streamlocal@openssh.com": "port_forward",
	"tun@openssh.com":                "tunnel",
	"x11":                            "x11_forward",
}

// refusedGlobalRequests are connection-wide requests answered "no" with an
// audit record (remote forwarding, -R). Others, such as keep-alives, get a
// plain "no" and are not activity.
var refusedGlobalRequests = map[string]string{
	"tcpip-forward":                   "remote_forward",
	"streamlocal-forward@openssh.com": "remote_forward",
}

func (s *Service) channelHandlers() map[string]ssh.ChannelHandler {
	h := map[string]ssh.ChannelHandler{"session": s.sessionChannel}
	refuse := func(srv *ssh.Server, conn *gossh.ServerConn, nc gossh.NewChannel, ctx ssh.Context) {
		reason, ok := refusedChannels[nc.ChannelType()]
		if !ok {
			reason = "channel"
		}
		s.refuse(ctx, reason)
		_ = nc.Reject(gossh.Prohibited, "pmdev offers the console only")
	}
	for t := range refusedChannels {
		h[t] = refuse
	}
	h["default"] = refuse
	return h
}

func (s *Service) requestHandlers() map[string]ssh.RequestHandler {
	h := map[string]ssh.RequestHandler{}
	for t, reason := range refusedGlobalRequests {
		h[t] = func(ctx ssh.Context, _ *ssh.Server, _ *gossh.Request) (bool, []byte) {
			s.refuse(ctx, reason)
			return false, nil
		}
	}
	return h
}

// refuse audits a refused request of a signed-in connection.
func (s *Service) refuse(ctx ssh.Context, reason string) {
	st := connFrom(ctx)
	user, fp := "", ""
	if st != nil {
		if !st.countRefusal() {
			return
		}
		if id := st.identity(); id != nil {
			user, fp = id.Name, id.Fingerprint
		}
	}
	s.audit.refused(user, ctx.User(), fp, remoteString(ctx.RemoteAddr()), reason)
}

func remoteString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}

// commandReason names a refused exec request for the audit log.
func commandReason(cmd []string) string {
	if len(cmd) > 0 && strings.TrimSuffix(cmd[0], ".exe") == "scp" {
		return "scp"
	}
	return "command"
}
