package actors

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestFaultHandler(t *testing.T) {
	fi := NewSeededFaultInjector(1)
	fi.Middleware("store")
	fi.Middleware("gossip")
	srv := httptest.NewServer(fi.Handler(discard()))
	defer srv.Close()

	call := func(method, path, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		out, _ := io.ReadAll(res.Body)
		return res.StatusCode, strings.TrimSpace(string(out))
	}

	for _, c := range []struct {
		method, path, body string
		status             int
	}{
		{"POST", "/debug/faults/store", `{"panic_next":1}`, http.StatusOK},
		{"POST", "/debug/faults/gossip", `{"delay":"200ms","drop_prob":0.5}`, http.StatusOK},
		{"POST", "/debug/faults/store", `{"panic_prob":2}`, http.StatusBadRequest},
		{"POST", "/debug/faults/store", `{"panik_next":1}`, http.StatusBadRequest},
		{"POST", "/debug/faults/store", `not json`, http.StatusBadRequest},
		{"POST", "/debug/faults/nobody", `{"panic_next":1}`, http.StatusNotFound},
		{"PUT", "/debug/faults/store", `{}`, http.StatusMethodNotAllowed},
	} {
		if status, body := call(c.method, c.path, c.body); status != c.status {
			t.Errorf("%s %s %s: %d %s, want %d", c.method, c.path, c.body, status, body, c.status)
		}
	}
	// The rejected posts left the first fault in place.
	want := map[string]Fault{"store": {PanicNext: 1}, "gossip": {Delay: 200 * time.Millisecond, DropProb: 0.5}}
	status, body := call("GET", "/debug/faults", "")
	var got map[string]Fault
	if err := json.Unmarshal([]byte(body), &got); err != nil || status != http.StatusOK || len(got) != 2 ||
		got["store"] != want["store"] || got["gossip"] != want["gossip"] {
		t.Errorf("GET /debug/faults: %d %s", status, body)
	}
	if status, body := call("GET", "/debug/faults/gossip", ""); status != http.StatusOK ||
		body != `{
  "delay": "200ms",
  "drop_prob": 0.5
}` {
		t.Errorf("GET /debug/faults/gossip: %d %s", status, body)
	}
	if status, _ := call("DELETE", "/debug/faults/store", ""); status != http.StatusNoContent || len(fi.Faults()) != 1 {
		t.Errorf("DELETE one: %d, left %v", status, fi.Faults())
	}
	if status, _ := call("DELETE", "/debug/faults", ""); status != http.StatusNoContent || len(fi.Faults()) != 0 {
		t.Errorf("DELETE all: %d, left %v", status, fi.Faults())
	}
	if status, body := call("GET", "/debug/faults/store", ""); status != http.StatusOK || body != "{}" {
		t.Errorf("GET a cleared fault: %d %s", status, body)
	}
}
