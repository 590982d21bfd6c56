package webhook

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"

	"github.com/penguinmails/pmdev/models"
	"github.com/penguinmails/pmdev/server/httpx"
	"github.com/penguinmails/pmdev/server/webhook/events"
)

// handleTrigger fires one event of the caller's organisation through the
// real pipeline (endpoints, live stream): the type's data as its builder
// makes it, with the request's fields merged over it and checked against
// the type's data.
func (s *Service) handleTrigger(w http.ResponseWriter, r *http.Request, u *httpx.User) {
	var req models.TriggerEventRequest
	if !httpx.ReadJSON(w, r, &req, false) {
		return
	}
	spec, ok := events.Lookup(req.Type)
	if !ok {
		httpx.WriteProblem(w, httpx.FieldProblem("invalid_event_type", "type", "Unknown event type "+strconv.Quote(req.Type)))
		return
	}
	data, p := MergeEventData(spec.Sample(s.now()), req.Data)
	if p != nil {
		httpx.WriteProblem(w, p)
		return
	}
	env, body, ok := s.emit(r.Context(), u.TenantID, req.Type, data, true)
	if !ok {
		httpx.Error(w, http.StatusInternalServerError, "internal_error", httpx.InternalMessage)
		return
	}
	var out models.StreamedEvent
	if err := json.Unmarshal(body, &out); err != nil {
		httpx.Internal(w, r, s.log, err)
		return
	}
	out.ID, out.Type, out.CreatedAt = env.ID, env.Type, env.CreatedAt
	httpx.WriteJSON(w, http.StatusAccepted, out)
}

// MergeEventData sets the fields of patch (a JSON object; nested objects
// merge, anything else replaces) over base and decodes the result strictly
// into base's type, so a field that is unknown or of the wrong type is
// refused as it would be in any request.
func MergeEventData(base events.Data, patch json.RawMessage) (events.Data, *models.Problem) {
	if len(patch) == 0 || string(patch) == "null" {
		return base, nil
	}
	var over map[string]any
	if err := json.Unmarshal(patch, &over); err != nil {
		return nil, httpx.FieldProblem("invalid_data", "data", "data must be a JSON object of the event's fields")
	}
	b, err := json.Marshal(base)
	if err != nil {
		return nil, httpx.NewProblem(http.StatusInternalServerError, "internal_error", httpx.InternalMessage)
	}
	var m map[string]any
	_ = json.Unmarshal(b, &m)
	merge(m, over)
	merged, _ := json.Marshal(m)
	ptr := reflect.New(reflect.TypeOf(base))
	if p := httpx.DecodeBytes(merged, ptr.Interface()); p != nil {
		for i := range p.Errors {
			p.Errors[i].Field = "data." + p.Errors[i].Field
		}
		p.Message, p.Detail = "data: "+p.Message, "data: "+p.Detail
		return nil, p
	}
	return ptr.Elem().Interface().(events.Data), nil
}

func merge(dst, src map[string]any) {
	for k, v := range src {
		if sub, ok := v.(map[string]any); ok {
			if d, ok := dst[k].(map[string]any); ok {
				merge(d, sub)
				continue
			}
		}
		dst[k] = v
	}
}
