package actors

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
)

// Handler serves the injector over HTTP:
//
//	GET    /debug/faults          the active faults by actor, as JSON
//	DELETE /debug/faults          clear every fault
//	GET    /debug/faults/{actor}  the actor's active fault ({} when none)
//	POST   /debug/faults/{actor}  set the actor's fault from a JSON body, replacing the one it had, e.g.
//	                              {"panic_next":1}, {"panic_prob":0.1}, {"delay":"200ms"}, {"drop_next":3},
//	                              {"drop_prob":0.5}; {} clears it
//	DELETE /debug/faults/{actor}  clear the actor's fault
//
// Only actors that carry the injector's middleware are accepted; others get 404. Changes are logged at Warn:
// an operator should see in the node's log that faults were injected.
func (fi *FaultInjector) Handler(logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.Default()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/faults", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, fi.Faults())
	})
	mux.HandleFunc("DELETE /debug/faults", func(w http.ResponseWriter, _ *http.Request) {
		fi.ClearAll()
		logger.Warn("Cleared all injected faults")
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /debug/faults/{actor}", fi.withKnownActor(func(w http.ResponseWriter, _ *http.Request, name string) {
		writeJSON(w, http.StatusOK, fi.Faults()[name])
	}))
	mux.HandleFunc("POST /debug/faults/{actor}", fi.withKnownActor(func(w http.ResponseWriter, r *http.Request, name string) {
		var f Fault
		dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16))
		if err := dec.Decode(&f); err != nil {
			writeError(w, http.StatusBadRequest, fmt.Errorf("fault for %s: %w", name, err))
			return
		}
		if err := fi.Set(name, f); err != nil {
			writeError(w, http.StatusBadRequest, err)
			return
		}
		logger.Warn("Injected fault", "actor", name, "fault", f)
		writeJSON(w, http.StatusOK, f)
	}))
	mux.HandleFunc("DELETE /debug/faults/{actor}", fi.withKnownActor(func(w http.ResponseWriter, _ *http.Request, name string) {
		fi.Clear(name)
		logger.Warn("Cleared injected fault", "actor", name)
		w.WriteHeader(http.StatusNoContent)
	}))
	return mux
}

func (fi *FaultInjector) withKnownActor(h func(http.ResponseWriter, *http.Request, string)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		name := r.PathValue("actor")
		if !fi.Known(name) {
			writeError(w, http.StatusNotFound, fmt.Errorf("no actor %q accepts faults; known: %v", name, fi.KnownActors()))
			return
		}
		h(w, r, name)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, map[string]string{"error": err.Error()})
}
