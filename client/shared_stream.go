package client

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
)

// Live streams over a SharedCache: the sessions of one scope that open the
// same stream share one upstream connection, whose events are copied to
// each (the analogue of merged GETs). A session resuming with Last-Event-ID
// gets a connection of its own, so the server replays exactly what it
// missed. A session that cannot keep up is cut off (its client resumes)
// instead of holding the others.

// streamBuffer is how many events a session may lag behind the upstream.
const streamBuffer = 256

// isStream reports whether req opens a Server-Sent Events stream.
func isStream(req *http.Request) bool {
	return req.Method == http.MethodGet && strings.Contains(req.Header.Get("Accept"), "text/event-stream")
}

// sharedStream is one upstream stream and the sessions reading it.
type sharedStream struct {
	ready  chan struct{} // closed once the upstream answered
	header http.Header
	cancel context.CancelFunc
	mu     sync.Mutex
	subs   map[*streamSub]struct{}
	done   bool
}

type streamSub struct {
	ch chan []byte
	pw *io.PipeWriter
}

// streamTrip answers a stream request of scope: joining the shared upstream
// of its URL, opening it, or passing a resumption through.
func (c *SharedCache) streamTrip(scope string, req *http.Request) (*http.Response, error) {
	if req.Header.Get("Last-Event-ID") != "" {
		c.upstream.Add(1)
		return c.o.Base.RoundTrip(req)
	}
	key := scope + "\x00" + req.URL.String()
	c.mu.Lock()
	if c.streams == nil {
		c.streams = map[string]*sharedStream{}
	}
	if s := c.streams[key]; s != nil {
		c.mu.Unlock()
		<-s.ready // opened by another session a moment ago
		if resp := s.join(req); resp != nil {
			return resp, nil
		}
		c.upstream.Add(1) // it failed or ended: a connection of this session's own
		return c.o.Base.RoundTrip(req)
	}
	s := &sharedStream{ready: make(chan struct{}), subs: map[*streamSub]struct{}{}}
	c.streams[key] = s
	c.mu.Unlock()
	fail := func() {
		c.retire(key, s)
		close(s.ready)
	}
	// The upstream lives as long as some session reads it.
	ctx, cancel := context.WithCancel(context.WithoutCancel(req.Context()))
	up := req.Clone(ctx)
	c.upstream.Add(1)
	resp, err := c.o.Base.RoundTrip(up)
	if err != nil {
		cancel()
		fail()
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		// Refusals belong to this caller: not shared.
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
		cancel()
		fail()
		resp.Body = io.NopCloser(bytes.NewReader(b))
		return resp, nil
	}
	s.header, s.cancel = resp.Header.Clone(), cancel
	first := s.join(req)
	close(s.ready)
	go c.pump(key, s, resp.Body)
	return first, nil
}

// join adds a session; nil when the stream has ended.
func (s *sharedStream) join(req *http.Request) *http.Response {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		return nil
	}
	pr, pw := io.Pipe()
	sub := &streamSub{ch: make(chan []byte, streamBuffer), pw: pw}
	s.subs[sub] = struct{}{}
	go s.write(sub)
	// A session leaves when its request ends or it closes the body.
	stop := context.AfterFunc(req.Context(), func() { s.leave(sub, req.Context().Err()) })
	body := &subBody{PipeReader: pr, leave: func() { stop(); s.leave(sub, io.ErrClosedPipe) }}
	return &http.Response{Status: "200 OK", StatusCode: http.StatusOK, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: s.header.Clone(), Body: body, Request: req, ContentLength: -1}
}

// subBody is a session's end of a shared stream.
type subBody struct {
	*io.PipeReader
	leave func()
}

func (b *subBody) Close() error {
	b.leave()
	return b.PipeReader.Close()
}

// write copies events to one session until it leaves or is cut off.
func (s *sharedStream) write(sub *streamSub) {
	for ev := range sub.ch {
		if _, err := sub.pw.Write(ev); err != nil {
			s.leave(sub, err)
			for range sub.ch {
			}
			return
		}
	}
	_ = sub.pw.CloseWithError(io.EOF) // the upstream ended: the client resumes
}

func (s *sharedStream) leave(sub *streamSub, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.subs[sub]; !ok {
		return
	}
	delete(s.subs, sub)
	close(sub.ch)
	_ = sub.pw.CloseWithError(err)
	if len(s.subs) == 0 {
		s.cancel() // nobody reads: close the upstream
	}
}

var errSlowSession = errors.New("shared stream: this session fell behind; resume with Last-Event-ID")

// retire takes s out of the cache, so the next session opens an upstream
// of its own, and marks it done, so no session joins it any more.
func (c *SharedCache) retire(key string, s *sharedStream) {
	c.mu.Lock()
	if c.streams[key] == s {
		delete(c.streams, key)
	}
	c.mu.Unlock()
	s.mu.Lock()
	s.done = true
	s.mu.Unlock()
}

// pump reads the upstream event by event (blank-line separated, so a
// session joining later starts at an event boundary) and hands each to
// every session without waiting.
func (c *SharedCache) pump(key string, s *sharedStream, body io.ReadCloser) {
	defer body.Close()
	r := bufio.NewReader(body)
	var ev bytes.Buffer
	var err error
	for {
		var line []byte
		line, err = r.ReadBytes('\n')
		ev.Write(line)
		if err != nil {
			break
		}
		if len(bytes.TrimRight(line, "\r\n")) > 0 {
			continue
		}
		out := bytes.Clone(ev.Bytes())
		ev.Reset()
		s.mu.Lock()
		for sub := range s.subs {
			select {
			case sub.ch <- out:
			default:
				delete(s.subs, sub)
				close(sub.ch)
				_ = sub.pw.CloseWithError(errSlowSession)
			}
		}
		s.mu.Unlock()
	}
	c.retire(key, s)
	s.mu.Lock()
	for sub := range s.subs {
		delete(s.subs, sub)
		close(sub.ch) // its writer ends the session's body: the client resumes
	}
	s.mu.Unlock()
	s.cancel()
}
