package supervisor

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/salamander-client/salamander/actors"
	"github.com/salamander-client/salamander/blocksync"
	"github.com/salamander-client/salamander/clock"
	"github.com/salamander-client/salamander/engineapi"
	"github.com/salamander-client/salamander/forkchoice"
	"github.com/salamander-client/salamander/gossip"
	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/peers"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/transition"
)

// logCapture is a slog handler that keeps the message and actor of every record.
type logCapture struct {
	mu    sync.Mutex
	lines []string // "<message> <actor>"
	attrs []slog.Attr
}

func (h *logCapture) Enabled(context.Context, slog.Level) bool { return true }

func (h *logCapture) Handle(_ context.Context, r slog.Record) error {
	actor := ""
	find := func(a slog.Attr) bool {
		if a.Key == "actor" {
			actor = a.Value.String()
		}
		return true
	}
	for _, a := range h.attrs {
		find(a)
	}
	r.Attrs(find)
	h.mu.Lock()
	h.lines = append(h.lines, r.Message+" "+actor)
	h.mu.Unlock()
	return nil
}

func (h *logCapture) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &logCaptureView{root: h, attrs: attrs}
}

func (h *logCapture) WithGroup(string) slog.Handler { return h }

// logCaptureView is logCapture with attributes: records go to the shared root.
type logCaptureView struct {
	root  *logCapture
	attrs []slog.Attr
}

func (v *logCaptureView) Enabled(context.Context, slog.Level) bool { return true }

func (v *logCaptureView) Handle(ctx context.Context, r slog.Record) error {
	r = r.Clone()
	r.AddAttrs(v.attrs...)
	return v.root.Handle(ctx, r)
}

func (v *logCaptureView) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &logCaptureView{root: v.root, attrs: append(slices.Clip(v.attrs), attrs...)}
}

func (v *logCaptureView) WithGroup(string) slog.Handler { return v }

// matching returns the actors of the records with one of the messages, in order.
func (h *logCapture) matching(messages ...string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var actors []string
	for _, l := range h.lines {
		for _, m := range messages {
			if a, ok := strings.CutPrefix(l, m+" "); ok {
				actors = append(actors, a)
			}
		}
	}
	return actors
}

func startNode(t *testing.T, logs *logCapture, faults *actors.FaultInjector) *Node {
	t.Helper()
	n, err := Start(Options{
		Logger:         slog.New(logs),
		Faults:         faults,
		GenesisTime:    time.Now().Add(-10 * time.Second),
		SecondsPerSlot: 1,
		SlotsPerEpoch:  8,
		Store:          testStoreConfig(t),
	})
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		defer cancel()
		_ = n.Stop(ctx)
	})
	return n
}

func testStoreConfig(t *testing.T) store.Config {
	return store.Config{DataDir: t.TempDir(), Options: store.Options{
		Network: store.Network{Preset: params.PresetName, ConfigName: "test"},
		NoSync:  true,
	}}
}

// workers are the tree's workers in start order, with a request each answers.
var workers = []struct {
	path    string
	request any
}{
	{"node/store", &store.StatusRequest{}},
	{"node/transition", &transition.StatusRequest{}},
	{"node/forkchoice", &forkchoice.StatusRequest{}},
	{"node/engineapi", &engineapi.StatusRequest{}},
	{"node/network/peers", &peers.StatusRequest{}},
	{"node/network/gossip", &gossip.StatusRequest{}},
	{"node/blocksync", &blocksync.StatusRequest{}},
	{"node/clock", &clock.CurrentSlotRequest{}},
}

func TestNodeStartsEveryActorInOrderAndStopsInReverse(t *testing.T) {
	logs := &logCapture{}
	n := startNode(t, logs, nil)
	// The store logs that it opened its database; the others that they started.
	want := []string{"store", "transition", "forkchoice", "engineapi", "peers", "gossip", "network", "blocksync",
		"clock", "node"}
	if got := logs.matching("Opened database", "Started"); !slices.Equal(got, want) {
		t.Errorf("start order: have %v, want %v", got, want)
	}
	if s := n.Status(); len(s.Children) != 7 {
		t.Fatalf("node has %d children: %+v", len(s.Children), s)
	}

	// Every placeholder answers its status request.
	for _, w := range workers {
		res, err := n.system.Root.RequestFuture(n.pid(w.path), w.request, deadline).Result()
		if err != nil {
			t.Errorf("%s: %v", w.path, err)
			continue
		}
		if resp, ok := res.(*clock.CurrentSlotResponse); ok && (resp.BeforeGenesis || resp.Slot < 10) {
			t.Errorf("clock: %+v ten seconds after genesis", resp)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	if err := n.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	want = []string{"clock", "blocksync", "gossip", "peers", "network", "engineapi", "forkchoice", "transition",
		"store", "node"}
	if got := logs.matching("Stopped"); !slices.Equal(got, want) {
		t.Errorf("stop order: have %v, want %v", got, want)
	}
}

func TestStoreFailureRestartsEverythingAfterIt(t *testing.T) {
	logs := &logCapture{}
	faults := actors.NewFaultInjector()
	n := startNode(t, logs, faults)
	first := askStore(t, n)

	if err := faults.Set("store", actors.Fault{PanicNext: 1}); err != nil {
		t.Fatal(err)
	}
	n.system.Root.Send(n.pid("node/store"), &store.StatusRequest{}) // panics
	after := askStore(t, n)
	if after.Requests != 1 || !after.OpenedAt.After(first.OpenedAt) {
		t.Errorf("store status after its restart: %+v (before: %+v)", after, first)
	}
	// Rest-for-one at node: the store and every later child restarted; network's own children started afresh.
	for _, name := range []string{"store", "transition", "forkchoice", "engineapi", "network", "blocksync", "clock"} {
		if got := restarts(t, n, name); got != 1 {
			t.Errorf("%s restarts: have %d, want 1", name, got)
		}
	}
	waitRunning(t, n)
	if got := logs.matching("Restarting actor"); len(got) != 7 {
		t.Errorf("restart log lines for %v, want one per restarted actor", got)
	}
}

func askStore(t *testing.T, n *Node) store.Status {
	t.Helper()
	res, err := n.system.Root.RequestFuture(n.pid("node/store"), &store.StatusRequest{}, deadline).Result()
	if err != nil {
		t.Fatalf("store status: %v", err)
	}
	return res.(*store.StatusResponse).Status
}

// waitRunning asks every worker for its status until it answers. Children of a restarting supervisor are
// stopped and spawned anew, and a request that reaches one as it stops is lost: such a request is asked again.
func waitRunning(t *testing.T, n *Node) {
	t.Helper()
	giveUp := time.Now().Add(deadline)
	for _, w := range workers {
		for {
			_, err := n.system.Root.RequestFuture(n.pid(w.path), w.request, 200*time.Millisecond).Result()
			if err == nil {
				break
			}
			if time.Now().After(giveUp) {
				t.Fatalf("%s: %v", w.path, err)
			}
		}
	}
}

func TestClockPublishesSlots(t *testing.T) {
	n := startNode(t, &logCapture{}, nil)
	slots := make(chan clock.SlotStarted, 16)
	sub := n.system.EventStream.Subscribe(func(evt any) {
		if s, ok := evt.(*clock.SlotStarted); ok {
			slots <- *s
		}
	})
	defer n.system.EventStream.Unsubscribe(sub)
	select {
	case s := <-slots:
		if s.Slot < 10 || s.Epoch != clock.EpochAt(s.Slot, 8) {
			t.Errorf("slot event %+v ten seconds after genesis", s)
		}
	case <-time.After(deadline):
		t.Fatal("no SlotStarted")
	}
}

func TestDebugActorsServesTheTree(t *testing.T) {
	n := startNode(t, &logCapture{}, actors.NewFaultInjector())
	srv := httptest.NewServer(n.DebugHandler())
	defer srv.Close()

	res, err := http.Get(srv.URL + "/debug/actors")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /debug/actors: %s %s", res.Status, res.Header.Get("Content-Type"))
	}
	var root ActorStatus
	if err := json.NewDecoder(res.Body).Decode(&root); err != nil {
		t.Fatal(err)
	}
	if root.Name != "node" || root.Kind != "supervisor" || root.Strategy != "rest_for_one" || root.State != StateRunning {
		t.Errorf("root: %+v", root)
	}
	var names []string
	for _, c := range root.Children {
		names = append(names, c.Name)
		if c.State != StateRunning || c.Restarts != 0 {
			t.Errorf("child %+v", c)
		}
	}
	if want := []string{"store", "transition", "forkchoice", "engineapi", "network", "blocksync", "clock"}; !slices.Equal(names, want) {
		t.Errorf("children: have %v, want %v", names, want)
	}
	network, _ := root.Find("network")
	if network.Kind != "supervisor" || len(network.Children) != 2 || network.Children[0].Name != "peers" {
		t.Errorf("network: %+v", network)
	}

	// The fault endpoints are mounted beside it.
	post := func(path, body string) int {
		res, err := http.Post(srv.URL+path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if code := post("/debug/faults/gossip", `{"drop_prob":0.5}`); code != http.StatusOK {
		t.Errorf("POST fault for gossip: %d", code)
	}
	if code := post("/debug/faults/network", `{"panic_next":1}`); code != http.StatusNotFound {
		t.Errorf("POST fault for the network supervisor: %d, want 404", code)
	}
}

func TestStartRejectsBadOptions(t *testing.T) {
	good := Options{Logger: discardLogger(), GenesisTime: time.Now(), SecondsPerSlot: 12, SlotsPerEpoch: 32,
		Store: store.Config{DataDir: t.TempDir()}}
	for name, mutate := range map[string]func(*Options){
		"no genesis":            func(o *Options) { o.GenesisTime = time.Time{} },
		"zero seconds per slot": func(o *Options) { o.SecondsPerSlot = 0 },
		"zero slots per epoch":  func(o *Options) { o.SlotsPerEpoch = 0 },
		"no data directory":     func(o *Options) { o.Store.DataDir = "" },
	} {
		opts := good
		mutate(&opts)
		if n, err := Start(opts); err == nil {
			t.Errorf("%s: started", name)
			_ = n.Stop(context.Background())
		}
	}
}
