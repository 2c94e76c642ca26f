// Package debug serves the node's debug HTTP endpoints on a loopback address: the node's own handler
// (the supervision tree, fault injection) and Go's profiles under /debug/pprof/.
package debug

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"net/netip"
	"time"
)

// ErrNotLoopback is returned by Listen for an address other interfaces could reach: the endpoints have no
// authentication and can crash actors.
var ErrNotLoopback = errors.New("debug server address is not loopback")

// Server is the debug HTTP server. Listen binds it; Serve starts answering.
type Server struct {
	listener net.Listener
	http     *http.Server
	logger   *slog.Logger
}

// Listen binds addr now, so that a port already in use is reported before the node starts.
func Listen(addr netip.AddrPort, logger *slog.Logger) (*Server, error) {
	if !addr.Addr().IsLoopback() {
		return nil, fmt.Errorf("listen %s: %w", addr, ErrNotLoopback)
	}
	ln, err := net.Listen("tcp", addr.String())
	if err != nil {
		return nil, fmt.Errorf("listen %s: %w", addr, err)
	}
	return &Server{listener: ln, logger: logger}, nil
}

// Addr is the bound address; with port 0 it holds the port the system picked.
func (s *Server) Addr() net.Addr { return s.listener.Addr() }

// Serve answers requests with Handler(node) until Shutdown. The returned channel receives an error and closes if
// serving stops for any other reason, including a panic in the serving goroutine.
func (s *Server) Serve(node http.Handler) <-chan error {
	s.http = &http.Server{
		Handler:           Handler(node),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(s.logger.Handler(), slog.LevelWarn),
	}
	failed := make(chan error, 1)
	go func() {
		defer close(failed)
		defer func() {
			if r := recover(); r != nil {
				failed <- fmt.Errorf("debug server panicked: %v", r)
			}
		}()
		if err := s.http.Serve(s.listener); !errors.Is(err, http.ErrServerClosed) {
			failed <- fmt.Errorf("debug server: %w", err)
		}
	}()
	return failed
}

// Shutdown stops accepting requests and waits, until ctx ends, for those in flight.
func (s *Server) Shutdown(ctx context.Context) error {
	if s.http == nil {
		return s.listener.Close()
	}
	return s.http.Shutdown(ctx)
}

// Handler routes /debug/pprof/ to Go's profiler and everything else to node.
func Handler(node http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.Handle("/", node)
	return mux
}
