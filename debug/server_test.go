package debug

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestServeRoutes(t *testing.T) {
	srv, err := Listen(netip.MustParseAddrPort("127.0.0.1:0"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	node := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "node:"+r.URL.Path)
	})
	failed := srv.Serve(node)
	base := "http://" + srv.Addr().String()

	for path, want := range map[string]string{
		"/debug/actors":        "node:/debug/actors",
		"/debug/faults/list":   "node:/debug/faults/list",
		"/debug/pprof/cmdline": "debug.test",
	} {
		resp, err := http.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("GET %s = %d %q, want 200 containing %q", path, resp.StatusCode, body, want)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if err, open := <-failed; open {
		t.Errorf("serving failed after a clean shutdown: %v", err)
	}
}

func TestListenRefusesNonLoopback(t *testing.T) {
	_, err := Listen(netip.MustParseAddrPort("0.0.0.0:0"), slog.New(slog.DiscardHandler))
	if !errors.Is(err, ErrNotLoopback) {
		t.Errorf("err = %v, want ErrNotLoopback", err)
	}
}

func TestListenReportsPortInUse(t *testing.T) {
	first, err := Listen(netip.MustParseAddrPort("127.0.0.1:0"), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer first.Shutdown(context.Background())
	taken := netip.MustParseAddrPort(first.Addr().String())
	if _, err := Listen(taken, slog.New(slog.DiscardHandler)); err == nil {
		t.Errorf("second Listen on %v succeeded", taken)
	}
}
