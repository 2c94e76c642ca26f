// Package peers runs the node's libp2p host as an actor: transports and connection limits, discv5, the gossipsub
// router, the req/resp server and client, the status handshake and pings, peer scoring with goodbyes and bans, and
// a request manager that sends each request to the best peer and retries elsewhere.
//
// Everything that dies with the host lives here, so that a crash of the host restarts only this actor: it comes
// back with the same key (the node key file), the same scores (the score file) and redials the peers it knew.
package peers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/asynkron/protoactor-go/actor"
	"github.com/ethereum/go-ethereum/p2p/enode"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/network"
	"github.com/libp2p/go-libp2p/core/peer"
	ma "github.com/multiformats/go-multiaddr"

	"github.com/salamander-client/salamander/actors"
	"github.com/salamander-client/salamander/discovery"
	"github.com/salamander-client/salamander/gossip"
	"github.com/salamander-client/salamander/primitives"
	"github.com/salamander-client/salamander/reqresp"
	"github.com/salamander-client/salamander/store"
	"github.com/salamander-client/salamander/types"
)

// Timing of the actor's upkeep.
const (
	tickInterval       = time.Second
	pingInterval       = 15 * time.Second
	saveInterval       = 30 * time.Second
	handshakeTimeout   = 10 * time.Second
	dialTimeout        = 10 * time.Second
	dialBackoffBase    = 2 * time.Second
	dialBackoffMax     = 5 * time.Minute
	requestAttempts    = 3
	requestWait        = 30 * time.Second // a request waits this long for a peer to send it to
	gossipValidateWait = 1500 * time.Millisecond
)

// ErrNoPeers is the error of a request no suitable peer could answer.
var ErrNoPeers = errors.New("no peer could serve the request")

// Actor is the peers actor. Build its props with actors.NewProps, which gives it its logger.
type Actor struct {
	cfg       Config
	startedAt time.Time
	requests  uint64
	net       *netState // nil while the network is off or waiting for genesis
	// syncSubnets are the sync committee subnets of local validators, each with the epoch it ends before.
	syncSubnets map[uint64]primitives.Epoch
}

// NewActor returns a peers actor for cfg; the host starts when the actor does.
func NewActor(cfg Config) actor.Actor {
	return &Actor{cfg: cfg.withDefaults(), syncSubnets: map[uint64]primitives.Epoch{}}
}

// netState is everything that lives and dies with the host.
type netState struct {
	host      host.Host
	gater     *gater
	disc      *discovery.Service
	router    *gossip.Router
	client    *reqresp.Client
	limiter   *reqresp.RateLimiter
	local     *localView
	scores    *Scores
	appScores *appScores
	gvr       primitives.Root

	// Subnets: the node ID they derive from, the epoch they were last worked out for, the sync committee subnets
	// local validators asked for, and the ENR entries last set.
	subs       subscriptionInput
	subsEpoch  primitives.Epoch
	subsFailed bool
	fields     discovery.Fields

	peers   map[peer.ID]*peerState
	static  []peer.AddrInfo
	dialing map[peer.ID]bool
	backoff map[peer.ID]backoff

	searching bool
	found     []peer.AddrInfo
	lastSave  time.Time

	nextRequest uint64
	queue       []*request
	stopTick    func()
}

type peerState struct {
	inbound    bool
	handshaked bool
	status     types.Status
	metadata   types.MetaData
	lastPing   time.Time
	inFlight   int
	latency    time.Duration
	connected  time.Time
}

type backoff struct {
	failures int
	until    time.Time
}

// Messages the actor sends itself from libp2p's goroutines and its own.
type (
	tick       struct{}
	retryStart struct{}
	connected  struct {
		p       peer.ID
		inbound bool
		addr    string
	}
	disconnected  struct{ p peer.ID }
	handshakeDone struct {
		p       peer.ID
		status  types.Status
		md      types.MetaData
		err     error
		latency time.Duration
	}
	pingDone struct {
		p       peer.ID
		seq     uint64
		err     error
		latency time.Duration
	}
	metadataDone struct {
		p   peer.ID
		md  types.MetaData
		err error
	}
	served struct {
		p       peer.ID
		m       reqresp.Method
		outcome reqresp.Outcome
		err     error
	}
	statusReceived struct {
		p      peer.ID
		status types.Status
	}
	goodbyeReceived struct {
		p      peer.ID
		reason uint64
	}
	pingReceived struct {
		p   peer.ID
		seq uint64
	}
	dialDone struct {
		p   peer.ID
		err error
	}
	discovered struct {
		infos []peer.AddrInfo
		done  bool // the search ended
	}
	requestDone struct {
		r       *request
		p       peer.ID
		blocks  []reqresp.Block
		err     error
		latency time.Duration
	}
)

// request is a blocks request in the request manager.
type request struct {
	id       uint64
	byRange  *BlocksByRangeRequest
	byRoot   *BlocksByRootRequest
	replyTo  *actor.PID
	tried    map[peer.ID]bool
	attempts int
	since    time.Time
	lastErr  error
}

func (a *Actor) Receive(ctx actor.Context) {
	switch msg := ctx.Message().(type) {
	case *actor.Started:
		a.startedAt = time.Now()
		ctx.Logger().Info("Started", "network", a.cfg.Enabled())
		if a.cfg.Enabled() {
			a.start(ctx)
		}
	case *retryStart:
		if a.net == nil {
			a.start(ctx)
		}
	case *StatusRequest:
		a.requests++
		ctx.Respond(&StatusResponse{Status: a.status()})
	case *actor.Stopping:
		a.stop(ctx, true)
	case *actor.Restarting:
		a.stop(ctx, false)
	case *actor.Stopped:
		ctx.Logger().Info("Stopped")
	default:
		if a.net == nil {
			a.refuse(ctx, msg)
			return
		}
		a.receiveNet(ctx, msg)
	}
}

// refuse answers requests that need the network while it is off.
func (a *Actor) refuse(ctx actor.Context, msg any) {
	switch msg := msg.(type) {
	case *BlocksByRangeRequest, *BlocksByRootRequest:
		ctx.Respond(&BlocksResponse{Err: fmt.Errorf("%w: the network is not running", ErrNoPeers)})
	case *Publish:
		ctx.Respond(&Published{Err: errors.New("the network is not running")})
	case *SyncCommitteeSubnets:
		a.recordSyncSubnets(ctx, msg) // joined when the network starts
	}
}

func (a *Actor) receiveNet(ctx actor.Context, msg any) {
	n := a.net
	now := time.Now()
	switch msg := msg.(type) {
	case *tick:
		a.upkeep(ctx, now)
	case *connected:
		a.onConnected(ctx, msg, now)
	case *disconnected:
		if n.host.Network().Connectedness(msg.p) != network.Connected {
			delete(n.peers, msg.p)
			n.limiter.Forget(msg.p)
		}
	case *handshakeDone:
		a.onHandshake(ctx, msg, now)
	case *pingDone:
		ps := n.peers[msg.p]
		if ps == nil {
			return
		}
		if msg.err != nil {
			a.observe(ctx, msg.p, behaviourOf(msg.err), now)
			return
		}
		ps.latency = smooth(ps.latency, msg.latency)
		if msg.seq > ps.metadata.SeqNumber {
			a.fetchMetadata(ctx, msg.p)
		}
	case *metadataDone:
		if ps := n.peers[msg.p]; ps != nil && msg.err == nil {
			ps.metadata = msg.md
		}
	case *served:
		switch msg.outcome {
		case reqresp.RateLimitHit:
			a.observe(ctx, msg.p, RateLimitAbuse, now)
		case reqresp.BadRequest:
			a.observe(ctx, msg.p, BadRequest, now)
		}
	case *statusReceived:
		if ps := n.peers[msg.p]; ps != nil {
			a.checkStatus(ctx, msg.p, msg.status, now)
		}
	case *goodbyeReceived:
		ctx.Logger().Info("Peer said goodbye", "peer", msg.p.String(), "reason", reqresp.GoodbyeReasonString(msg.reason))
	case *pingReceived:
		if ps := n.peers[msg.p]; ps != nil && msg.seq > ps.metadata.SeqNumber {
			a.fetchMetadata(ctx, msg.p)
		}
	case *dialDone:
		delete(n.dialing, msg.p)
		if msg.err != nil {
			b := n.backoff[msg.p]
			b.failures++
			b.until = now.Add(min(dialBackoffMax, dialBackoffBase<<min(b.failures, 10)))
			n.backoff[msg.p] = b
			ctx.Logger().Debug("Dial failed", "peer", msg.p.String(), "err", msg.err, "retry_in", b.until.Sub(now).Round(time.Second))
		} else {
			delete(n.backoff, msg.p)
		}
	case *discovered:
		n.found = append(n.found, msg.infos...)
		if msg.done {
			n.searching = false
		} else {
			a.maintainPeers(ctx, now) // dial at once
		}
	case *ReportPeer:
		p, err := peer.Decode(msg.Peer)
		if err != nil {
			ctx.Logger().Debug("Report about an unknown peer id", "peer", msg.Peer, "err", err)
			return
		}
		ctx.Logger().Debug("Peer reported", "peer", msg.Peer, "reason", msg.Reason)
		a.observe(ctx, p, InvalidResponse, now)
	case *BlocksByRangeRequest:
		a.enqueue(ctx, &request{byRange: msg}, now)
	case *BlocksByRootRequest:
		a.enqueue(ctx, &request{byRoot: msg}, now)
	case *requestDone:
		a.onRequestDone(ctx, msg, now)
	case *Publish:
		a.publish(ctx, msg)
	case *SyncCommitteeSubnets:
		a.joinSyncSubnets(ctx, msg, now)
	}
}

// start builds the host and everything on it. Without a genesis validators root yet (an empty store) it retries
// every few seconds: the spec forbids forming an ENR or joining topics before genesis is known.
func (a *Actor) start(ctx actor.Context) {
	if a.cfg.Spec == nil {
		panic(ErrNoSpec) // a configuration bug: fail loudly at start
	}
	gvr, ok := a.genesisValidatorsRoot()
	if !ok {
		ctx.Logger().Info("Waiting for the genesis validators root before joining the network")
		self, system := ctx.Self(), ctx.ActorSystem()
		time.AfterFunc(3*time.Second, func() { system.Root.Send(self, &retryStart{}) })
		return
	}
	n, err := a.startNet(ctx, gvr)
	if err != nil {
		// Ports in use or a bad key: the supervisor's back-off and restart limits decide what happens next.
		panic(fmt.Errorf("start network: %w", err))
	}
	a.net = n
	md := n.local.MetaData()
	ctx.Logger().Info("Network running", "peer_id", n.host.ID().String(), "addrs", fmt.Sprint(n.host.Addrs()),
		"fork_digest", fmt.Sprintf("%#x", n.local.digestAt(time.Now())), "enr", a.enr(),
		"attnets", fmt.Sprintf("%#x", md.Attnets), "topics", len(n.router.Subscribed()))
	a.upkeep(ctx, time.Now())
}

func (a *Actor) genesisValidatorsRoot() (primitives.Root, bool) {
	if a.cfg.GenesisValidatorsRoot != nil {
		return *a.cfg.GenesisValidatorsRoot, true
	}
	if a.cfg.Reader == nil {
		return primitives.Root{}, false
	}
	id, ok, err := a.cfg.Reader.Identity()
	if err != nil || !ok {
		return primitives.Root{}, false
	}
	return id.GenesisValidatorsRoot, true
}

func (a *Actor) startNet(ctx actor.Context, gvr primitives.Root) (_ *netState, err error) {
	cfg := a.cfg
	key, err := LoadOrCreateKey(cfg.keyPath())
	if err != nil {
		return nil, err
	}
	scores, err := LoadScores(cfg.scoresPath())
	if err != nil {
		ctx.Logger().Warn("Starting with empty peer scores", "err", err)
	}
	n := &netState{
		gater: newGater(cfg.MaxPeers), scores: scores, gvr: gvr,
		peers: map[peer.ID]*peerState{}, dialing: map[peer.ID]bool{}, backoff: map[peer.ID]backoff{},
		lastSave: time.Now(),
	}
	now := time.Now()
	for p, r := range scores.records {
		if now.Before(r.BannedUntil) {
			n.gater.ban(p, r.BannedUntil)
		}
	}
	n.host, err = newHost(hostConfig{key: key, listenTCP: cfg.ListenTCP, listenQUIC: cfg.ListenQUIC,
		targetPeers: cfg.TargetPeers, maxPeers: cfg.MaxPeers, gater: n.gater, userAgent: "salamander"})
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			n.close()
		}
	}()
	h := n.host
	n.gater.host = func() host.Host { return h }

	ecdsaKey, err := discovery.ECDSAKey(key)
	if err != nil {
		return nil, err
	}
	n.subs = subscriptionInput{spec: cfg.Spec, gvr: gvr, nodeID: enode.PubkeyToIDV4(&ecdsaKey.PublicKey),
		subscribeAll: cfg.SubscribeAllSubnets, custodyGroupCount: cfg.CustodyGroupCount, syncSubnets: a.syncSubnets}
	epoch := epochAt(cfg.Spec, cfg.Genesis, now)
	subs, err := computeSubscriptions(n.subs, epoch)
	if err != nil {
		return nil, err
	}
	n.subsEpoch = epoch
	md := types.MetaData{SeqNumber: 1, Attnets: discovery.Attnets(subs.attestation), Syncnets: discovery.Syncnets(subs.sync),
		CustodyGroupCount: cfg.CustodyGroupCount}
	n.local = newLocalView(cfg.Spec, gvr, cfg.Genesis, cfg.Reader, md)
	n.local.refresh(now)

	limits := reqresp.NewLimits(cfg.Spec)
	quotas := reqresp.DefaultQuotas()
	if cfg.Quotas != nil {
		quotas = *cfg.Quotas
	}
	n.limiter = reqresp.NewRateLimiter(quotas, time.Now)
	var blocks reqresp.BlockSource = emptyBlocks{}
	if cfg.Reader != nil {
		blocks = cfg.Reader
	}
	self, system := ctx.Self(), ctx.ActorSystem()
	send := func(m any) { system.Root.Send(self, m) }
	server := reqresp.NewServer(limits, blocks, cfg.Columns, n.local, n.limiter, observer{send}, ctx.Logger())
	for _, m := range reqresp.Methods() {
		h.SetStreamHandler(m.ProtocolID(), server.Handler(m))
	}
	n.client = reqresp.NewClient(h, limits, n.local.digestAtSlot)
	h.Network().Notify(&network.NotifyBundle{
		ConnectedF: func(_ network.Network, c network.Conn) {
			send(&connected{p: c.RemotePeer(), inbound: c.Stat().Direction == network.DirInbound, addr: c.RemoteMultiaddr().String()})
		},
		DisconnectedF: func(_ network.Network, c network.Conn) { send(&disconnected{p: c.RemotePeer()}) },
	})

	// Static peers: multiaddrs are dialed as they are; ENRs also seed discovery.
	var bootnodes []*enode.Node
	for _, s := range cfg.StaticPeers {
		info, node, err := parsePeer(s)
		if err != nil {
			return nil, fmt.Errorf("static peer %q: %w", s, err)
		}
		n.static = append(n.static, info)
		if node != nil {
			bootnodes = append(bootnodes, node)
		}
	}
	for _, s := range cfg.Bootnodes {
		node, err := discovery.ParseENR(s)
		if err != nil {
			return nil, fmt.Errorf("bootnode %q: %w", s, err)
		}
		bootnodes = append(bootnodes, node)
	}

	digest := n.local.digestAt(now)
	if cfg.ListenUDP.IsValid() {
		n.fields = discovery.LocalFields(cfg.Spec, gvr, epoch, md.Attnets, md.Syncnets, cfg.CustodyGroupCount)
		n.disc, err = discovery.Start(discovery.Config{
			Key: key, ListenUDP: cfg.ListenUDP, TCPPort: tcpPort(h), QUICPort: cfg.ListenQUIC.Port(),
			AdvertiseIP: advertiseIP(cfg), Bootnodes: bootnodes, Fields: n.fields, Logger: ctx.Logger(),
		})
		if err != nil {
			return nil, err
		}
	}

	gossipPID := cfg.GossipPID
	if gossipPID == nil {
		gossipPID = actor.NewPID(self.Address, parentPath(self.Id)+"gossip")
	}
	hostID := h.ID()
	local := n.local
	validate := func(_ context.Context, from peer.ID, topic string, data []byte) gossip.Result {
		if from == hostID {
			return gossip.Accept // our own publication
		}
		res, err := system.Root.RequestFuture(gossipPID, &gossip.Validate{Topic: topic, Data: data, From: from.String(),
			GVR: gvr, Digest: local.digestAt(time.Now())}, gossipValidateWait).Result()
		if err != nil {
			return gossip.Ignore
		}
		if v, ok := res.(*gossip.Verdict); ok {
			return v.Result
		}
		return gossip.Ignore
	}
	n.appScores = &appScores{}
	n.router, err = gossip.NewRouter(h, gossip.RouterConfig{
		Spec: cfg.Spec, Digest: digest, Topics: subs.topics, Validate: validate,
		AppScore: n.appScores.get, Logger: ctx.Logger(),
	})
	if err != nil {
		return nil, err
	}
	n.stopTick = startTicker(system, self)
	return n, nil
}

func (a *Actor) stop(ctx actor.Context, graceful bool) {
	n := a.net
	if n == nil {
		return
	}
	a.net = nil
	if n.stopTick != nil {
		n.stopTick()
	}
	if err := n.scores.Save(a.cfg.scoresPath(), time.Now()); err != nil {
		ctx.Logger().Warn("Cannot save peer scores", "err", err)
	}
	if graceful {
		// Goodbye to everyone at once, bounded: shutdown must not wait on a slow peer.
		gctx, cancel := context.WithTimeout(context.Background(), time.Second)
		done := make(chan struct{}, len(n.peers))
		for p := range n.peers {
			go func() {
				defer func() { _ = recover(); done <- struct{}{} }()
				_ = n.client.Goodbye(gctx, p, reqresp.GoodbyeClientShutdown)
			}()
		}
		for range n.peers {
			select {
			case <-done:
			case <-gctx.Done():
			}
		}
		cancel()
	}
	n.close()
}

func (n *netState) close() {
	if n.router != nil {
		n.router.Close()
	}
	if n.disc != nil {
		n.disc.Close()
	}
	if n.host != nil {
		_ = n.host.Close()
	}
}

// upkeep runs every tick: refreshes our status, merges gossip scores, pings, saves scores, keeps the peer count
// up and dispatches waiting requests.
func (a *Actor) upkeep(ctx actor.Context, now time.Time) {
	n := a.net
	n.local.refresh(now)
	if epoch := n.local.epochAt(now); epoch != n.subsEpoch || n.subsFailed {
		a.updateSubscriptions(ctx, epoch)
	}
	for p, s := range n.router.Scores() {
		n.scores.SetGossip(p, s, now)
	}
	for p, ps := range n.peers {
		rec, _ := n.scores.Record(p)
		n.appScores.set(p, rec.App)
		a.enforce(ctx, p, n.scores.Score(p, now))
		if ps.handshaked && now.Sub(ps.lastPing) >= pingInterval {
			ps.lastPing = now
			a.ping(ctx, p)
		}
	}
	if now.Sub(n.lastSave) >= saveInterval {
		n.lastSave = now
		if err := n.scores.Save(a.cfg.scoresPath(), now); err != nil {
			ctx.Logger().Warn("Cannot save peer scores", "err", err)
		}
	}
	a.maintainPeers(ctx, now)
	a.dispatch(ctx, now)
}

// maintainPeers dials static peers that are not connected, then known and discovered peers up to the target,
// and starts a discv5 search when short of candidates.
func (a *Actor) maintainPeers(ctx actor.Context, now time.Time) {
	n := a.net
	for _, info := range n.static {
		a.dial(ctx, info, now)
	}
	want := a.cfg.TargetPeers - len(n.peers) - len(n.dialing)
	for _, p := range n.scores.Known(now) {
		if want <= 0 {
			break
		}
		rec, _ := n.scores.Record(p)
		info := peer.AddrInfo{ID: p}
		for _, s := range rec.Addrs {
			if addr, err := ma.NewMultiaddr(s); err == nil {
				info.Addrs = append(info.Addrs, addr)
			}
		}
		if a.dial(ctx, info, now) {
			want--
		}
	}
	for len(n.found) > 0 && want > 0 {
		info := n.found[0]
		n.found = n.found[1:]
		if a.dial(ctx, info, now) {
			want--
		}
	}
	if want > 0 && n.disc != nil && !n.searching {
		n.searching = true
		disc, self, system := n.disc, ctx.Self(), ctx.ActorSystem()
		digest := n.local.digestAt(now)
		actors.Go(ctx, "discv5 search", func(gctx context.Context) {
			sctx, cancel := context.WithTimeout(gctx, discovery.DefaultLookupTimeout)
			defer cancel()
			it := disc.Iterator(func(node *enode.Node) bool {
				f, err := discovery.ReadFields(node)
				return err == nil && f.ForkID.ForkDigest == digest
			})
			// Each peer is handed over as soon as it is found: on a small network (a devnet) the search never
			// fills up and would otherwise keep the first peer waiting for its whole timeout.
			discovery.FindNodes(sctx, it, 16, func(node *enode.Node) {
				if info, err := discovery.AddrInfo(node); err == nil {
					system.Root.Send(self, &discovered{infos: []peer.AddrInfo{info}})
				}
			})
			system.Root.Send(self, &discovered{done: true})
		})
	}
}

// dial connects to a peer unless it is connected, being dialed, backing off or banned; it reports whether it
// started a dial.
func (a *Actor) dial(ctx actor.Context, info peer.AddrInfo, now time.Time) bool {
	n := a.net
	p := info.ID
	if p == n.host.ID() || n.peers[p] != nil || n.dialing[p] || n.scores.Banned(p, now) ||
		now.Before(n.backoff[p].until) || len(info.Addrs) == 0 {
		return false
	}
	if len(n.peers) >= a.cfg.MaxPeers {
		return false
	}
	n.dialing[p] = true
	h, self, system := n.host, ctx.Self(), ctx.ActorSystem()
	actors.Go(ctx, "dial", func(gctx context.Context) {
		dctx, cancel := context.WithTimeout(gctx, dialTimeout)
		defer cancel()
		system.Root.Send(self, &dialDone{p: p, err: h.Connect(dctx, info)})
	})
	return true
}

func (a *Actor) onConnected(ctx actor.Context, msg *connected, now time.Time) {
	n := a.net
	if n.peers[msg.p] != nil {
		return // a second connection to the same peer
	}
	if n.scores.Banned(msg.p, now) {
		_ = n.host.Network().ClosePeer(msg.p)
		return
	}
	n.peers[msg.p] = &peerState{inbound: msg.inbound, connected: now, lastPing: now}
	n.scores.SetAddrs(msg.p, []string{msg.addr}, now)
	ctx.Logger().Debug("Peer connected", "peer", msg.p.String(), "inbound", msg.inbound, "addr", msg.addr)
	// The dialer must send status; we send ours in both directions, which every client accepts, so that a peer
	// that dialed us is checked as soon as one that we dialed.
	client, ours, self, system := n.client, n.local.Status(), ctx.Self(), ctx.ActorSystem()
	p := msg.p
	actors.Go(ctx, "handshake", func(gctx context.Context) {
		hctx, cancel := context.WithTimeout(gctx, handshakeTimeout)
		defer cancel()
		start := time.Now()
		theirs, err := client.Status(hctx, p, ours)
		latency := time.Since(start)
		var md types.MetaData
		if err == nil {
			md, err = client.MetaData(hctx, p)
		}
		system.Root.Send(self, &handshakeDone{p: p, status: theirs, md: md, err: err, latency: latency})
	})
}

func (a *Actor) onHandshake(ctx actor.Context, msg *handshakeDone, now time.Time) {
	n := a.net
	ps := n.peers[msg.p]
	if ps == nil {
		return
	}
	if msg.err != nil {
		ctx.Logger().Debug("Handshake failed", "peer", msg.p.String(), "err", msg.err)
		a.observe(ctx, msg.p, behaviourOf(msg.err), now)
		a.disconnect(ctx, msg.p, reqresp.GoodbyeFault)
		return
	}
	ps.latency = smooth(ps.latency, msg.latency)
	ps.metadata = msg.md
	if !a.checkStatus(ctx, msg.p, msg.status, now) {
		return
	}
	ps.handshaked = true
	ctx.Logger().Info("Peer handshake complete", "peer", msg.p.String(), "head_slot", uint64(msg.status.HeadSlot),
		"finalized_epoch", uint64(msg.status.FinalizedEpoch), "custody_groups", msg.md.CustodyGroupCount,
		"peers", len(n.peers))
}

// checkStatus records a peer's status and disconnects it when it is on another network.
func (a *Actor) checkStatus(ctx actor.Context, p peer.ID, s types.Status, now time.Time) bool {
	n := a.net
	ps := n.peers[p]
	ps.status = s
	if ours := n.local.digestAt(now); s.ForkDigest != ours {
		ctx.Logger().Info("Peer is on another network", "peer", p.String(), "their_digest", fmt.Sprintf("%#x", s.ForkDigest),
			"our_digest", fmt.Sprintf("%#x", ours))
		a.observe(ctx, p, WrongNetwork, now)
		a.disconnect(ctx, p, reqresp.GoodbyeIrrelevantNetwork)
		return false
	}
	return true
}

// observe scores a behaviour and enforces the thresholds.
func (a *Actor) observe(ctx actor.Context, p peer.ID, b Behaviour, now time.Time) {
	score := a.net.scores.Observe(p, b, now)
	if b != GoodResponse {
		ctx.Logger().Debug("Peer scored", "peer", p.String(), "behaviour", b.String(), "score", score)
	}
	a.enforce(ctx, p, score)
}

// enforce disconnects a peer below DisconnectThreshold and bans one below BanThreshold.
func (a *Actor) enforce(ctx actor.Context, p peer.ID, score float64) {
	n := a.net
	if n.peers[p] == nil {
		return
	}
	switch {
	case score < BanThreshold:
		now := time.Now()
		n.scores.Ban(p, now)
		n.gater.ban(p, now.Add(BanDuration))
		ctx.Logger().Info("Banning peer", "peer", p.String(), "score", score, "for", BanDuration)
		a.disconnect(ctx, p, reqresp.GoodbyeBanned)
	case score < DisconnectThreshold:
		ctx.Logger().Info("Disconnecting peer with a bad score", "peer", p.String(), "score", score)
		a.disconnect(ctx, p, reqresp.GoodbyeBadScore)
	}
}

// disconnect says goodbye with the reason, then closes the connections.
func (a *Actor) disconnect(ctx actor.Context, p peer.ID, reason uint64) {
	n := a.net
	delete(n.peers, p)
	client, h := n.client, n.host
	actors.Go(ctx, "goodbye", func(gctx context.Context) {
		_ = client.Goodbye(gctx, p, reason)
		_ = h.Network().ClosePeer(p)
	})
}

func (a *Actor) ping(ctx actor.Context, p peer.ID) {
	client, seq, self, system := a.net.client, a.net.local.MetaData().SeqNumber, ctx.Self(), ctx.ActorSystem()
	actors.Go(ctx, "ping", func(gctx context.Context) {
		start := time.Now()
		theirs, err := client.Ping(gctx, p, seq)
		system.Root.Send(self, &pingDone{p: p, seq: theirs, err: err, latency: time.Since(start)})
	})
}

func (a *Actor) fetchMetadata(ctx actor.Context, p peer.ID) {
	client, self, system := a.net.client, ctx.Self(), ctx.ActorSystem()
	actors.Go(ctx, "metadata", func(gctx context.Context) {
		md, err := client.MetaData(gctx, p)
		system.Root.Send(self, &metadataDone{p: p, md: md, err: err})
	})
}

// enqueue adds a blocks request to the request manager.
func (a *Actor) enqueue(ctx actor.Context, r *request, now time.Time) {
	n := a.net
	n.nextRequest++
	r.id, r.replyTo, r.tried, r.since = n.nextRequest, ctx.Sender(), map[peer.ID]bool{}, now
	n.queue = append(n.queue, r)
	a.dispatch(ctx, now)
}

// dispatch sends waiting requests to the best peers not tried yet; requests that waited too long fail.
func (a *Actor) dispatch(ctx actor.Context, now time.Time) {
	n := a.net
	waiting := n.queue[:0]
	for _, r := range n.queue {
		p, ok := a.bestPeer(r, now)
		if !ok {
			if now.Sub(r.since) > requestWait || r.attempts >= requestAttempts {
				err := r.lastErr
				if err == nil {
					err = ErrNoPeers
				}
				a.replyBlocks(ctx, r, &BlocksResponse{Err: fmt.Errorf("%w: %w", ErrNoPeers, err)})
				continue
			}
			waiting = append(waiting, r)
			continue
		}
		a.send(ctx, r, p)
	}
	n.queue = waiting
}

// bestPeer picks the best-scored, least-loaded, lowest-latency handshaked peer the request was not tried on and
// whose status says it may have the blocks.
func (a *Actor) bestPeer(r *request, now time.Time) (peer.ID, bool) {
	n := a.net
	var cs []Candidate
	for p, ps := range n.peers {
		if !ps.handshaked || r.tried[p] {
			continue
		}
		if r.byRange != nil && (ps.status.HeadSlot < r.byRange.Start || r.byRange.Start < ps.status.EarliestAvailableSlot) {
			continue
		}
		cs = append(cs, Candidate{ID: p, Score: n.scores.Score(p, now), InFlight: ps.inFlight, Latency: ps.latency})
	}
	if len(cs) == 0 {
		return "", false
	}
	RankCandidates(cs)
	return cs[0].ID, true
}

func (a *Actor) send(ctx actor.Context, r *request, p peer.ID) {
	n := a.net
	r.tried[p] = true
	r.attempts++
	n.peers[p].inFlight++
	client, self, system := n.client, ctx.Self(), ctx.ActorSystem()
	actors.Go(ctx, "blocks request", func(gctx context.Context) {
		start := time.Now()
		var blocks []reqresp.Block
		var err error
		if r.byRange != nil {
			blocks, err = client.BlocksByRange(gctx, p, r.byRange.Start, r.byRange.Count)
		} else {
			blocks, err = client.BlocksByRoot(gctx, p, r.byRoot.Roots)
		}
		system.Root.Send(self, &requestDone{r: r, p: p, blocks: blocks, err: err, latency: time.Since(start)})
	})
}

func (a *Actor) onRequestDone(ctx actor.Context, msg *requestDone, now time.Time) {
	n := a.net
	ps := n.peers[msg.p]
	if ps != nil {
		ps.inFlight--
	}
	r := msg.r
	if msg.err == nil {
		if ps != nil {
			ps.latency = smooth(ps.latency, msg.latency/time.Duration(max(1, len(msg.blocks))))
		}
		empty := len(msg.blocks) == 0 && ps != nil && r.byRange != nil &&
			ps.status.HeadSlot >= r.byRange.Start+primitives.Slot(r.byRange.Count)
		if empty {
			a.observe(ctx, msg.p, EmptyResponse, now)
		} else {
			a.observe(ctx, msg.p, GoodResponse, now)
		}
		if !empty || r.attempts >= requestAttempts {
			a.replyBlocks(ctx, r, &BlocksResponse{Blocks: msg.blocks, Peer: msg.p.String()})
			return
		}
	} else {
		ctx.Logger().Debug("Blocks request failed", "peer", msg.p.String(), "err", msg.err)
		a.observe(ctx, msg.p, behaviourOf(msg.err), now)
		r.lastErr = msg.err
	}
	n.queue = append(n.queue, r)
	a.dispatch(ctx, now)
}

func (a *Actor) replyBlocks(ctx actor.Context, r *request, resp *BlocksResponse) {
	if r.replyTo != nil {
		ctx.Send(r.replyTo, resp)
	}
}

func (a *Actor) publish(ctx actor.Context, msg *Publish) {
	n := a.net
	topic := gossip.Topic{Digest: n.local.digestAt(time.Now()), Kind: msg.Kind, Subnet: msg.Subnet}.String()
	router, replyTo, system := n.router, ctx.Sender(), ctx.ActorSystem()
	actors.Go(ctx, "publish", func(gctx context.Context) {
		pctx, cancel := context.WithTimeout(gctx, 5*time.Second)
		defer cancel()
		err := router.Publish(pctx, topic, msg.SSZ)
		if replyTo != nil {
			system.Root.Send(replyTo, &Published{Topic: topic, Err: err})
		}
	})
}

// joinSyncSubnets records the sync committee subnets local validators serve in and applies them at once.
func (a *Actor) joinSyncSubnets(ctx actor.Context, msg *SyncCommitteeSubnets, now time.Time) {
	a.recordSyncSubnets(ctx, msg)
	a.updateSubscriptions(ctx, a.net.local.epochAt(now))
}

func (a *Actor) recordSyncSubnets(ctx actor.Context, msg *SyncCommitteeSubnets) {
	for _, subnet := range msg.Subnets {
		if subnet >= types.SyncCommitteeSubnetCount {
			ctx.Logger().Warn("Ignoring an unknown sync committee subnet", "subnet", subnet)
			continue
		}
		a.syncSubnets[subnet] = max(a.syncSubnets[subnet], msg.Until)
	}
}

// updateSubscriptions brings the node's subnets up to date for epoch: the metadata (with a new sequence number)
// and the ENR announce them, and the router joins the topics now wanted and leaves those no longer wanted. It runs
// at every epoch boundary: the attestation subnets rotate, sync committee periods end and forks change digests.
func (a *Actor) updateSubscriptions(ctx actor.Context, epoch primitives.Epoch) {
	n := a.net
	for subnet, until := range n.subs.syncSubnets {
		if until <= epoch {
			delete(n.subs.syncSubnets, subnet)
		}
	}
	subs, err := computeSubscriptions(n.subs, epoch)
	if err != nil {
		n.subsFailed = true
		ctx.Logger().Error("Cannot work out the subnets", "epoch", uint64(epoch), "err", err)
		return
	}
	n.subsEpoch, n.subsFailed = epoch, false
	attnets, syncnets := discovery.Attnets(subs.attestation), discovery.Syncnets(subs.sync)
	if n.local.setMetaData(attnets, syncnets) {
		ctx.Logger().Info("Subnets changed", "epoch", uint64(epoch), "attestation", fmt.Sprint(subs.attestation),
			"sync_committee", fmt.Sprint(subs.sync), "metadata_seq", n.local.MetaData().SeqNumber)
	}
	if n.disc != nil {
		fields := discovery.LocalFields(a.cfg.Spec, n.gvr, epoch, attnets, syncnets, a.cfg.CustodyGroupCount)
		if fields != n.fields {
			if err := n.disc.UpdateFields(fields); err != nil {
				n.subsFailed = true
				ctx.Logger().Error("Cannot update the ENR", "epoch", uint64(epoch), "err", err)
			} else {
				n.fields = fields
			}
		}
	}
	join, leave := topicDiff(n.router.Subscribed(), subs.topics)
	if err := n.router.Subscribe(join...); err != nil {
		n.subsFailed = true // retried on the next tick
		ctx.Logger().Warn("Cannot join gossip topics", "epoch", uint64(epoch), "err", err)
	}
	if err := n.router.Unsubscribe(leave...); err != nil {
		ctx.Logger().Warn("Cannot leave gossip topics", "epoch", uint64(epoch), "err", err)
	}
	if len(join) > 0 || len(leave) > 0 {
		ctx.Logger().Debug("Gossip topics updated", "epoch", uint64(epoch), "joined", len(join), "left", len(leave),
			"topics", len(n.router.Subscribed()))
	}
}

// behaviourOf classifies a failed request for the peer's score.
func behaviourOf(err error) Behaviour {
	switch {
	case errors.Is(err, reqresp.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return Timeout
	case errors.Is(err, reqresp.ErrErrorResponse):
		return ErrorResponse
	case errors.Is(err, reqresp.ErrInvalidLength), errors.Is(err, reqresp.ErrInvalidSnappy),
		errors.Is(err, reqresp.ErrTooMuchCompressed), errors.Is(err, reqresp.ErrTrailingBytes),
		errors.Is(err, reqresp.ErrInvalidSSZ), errors.Is(err, reqresp.ErrUnknownContext),
		errors.Is(err, reqresp.ErrTooManyChunks), errors.Is(err, reqresp.ErrInvalidResponse),
		errors.Is(err, reqresp.ErrUnexpectedEOF), errors.Is(err, reqresp.ErrNoResponse):
		return InvalidResponse
	}
	return Timeout // a reset or refused stream: the peer did not serve us
}

// smooth is an exponentially weighted moving average of latencies.
func smooth(old, sample time.Duration) time.Duration {
	if old == 0 {
		return sample
	}
	return (old*7 + sample) / 8
}

func (a *Actor) status() Status {
	s := Status{StartedAt: a.startedAt, Requests: a.requests}
	n := a.net
	if n == nil {
		return s
	}
	now := time.Now()
	s.Running, s.PeerID, s.ENR = true, n.host.ID().String(), a.enr()
	s.MetaData, s.Topics = n.local.MetaData(), n.router.Subscribed()
	for _, addr := range n.host.Addrs() {
		s.Addrs = append(s.Addrs, addr.String())
	}
	for p, ps := range n.peers {
		agent, _ := n.host.Peerstore().Get(p, "AgentVersion")
		s.Peers = append(s.Peers, PeerInfo{ID: p.String(), Inbound: ps.inbound, Handshaked: ps.handshaked,
			Status: ps.status, MetaData: ps.metadata, Score: n.scores.Score(p, now), Latency: ps.latency,
			Agent: fmt.Sprint(agent)})
	}
	return s
}

func (a *Actor) enr() string {
	if a.net == nil || a.net.disc == nil {
		return ""
	}
	return a.net.disc.Self().String()
}

// observer turns req/resp server events into messages to the actor.
type observer struct{ send func(any) }

func (o observer) RequestServed(p peer.ID, m reqresp.Method, outcome reqresp.Outcome, err error) {
	if outcome != reqresp.Served {
		o.send(&served{p: p, m: m, outcome: outcome, err: err})
	}
}
func (o observer) StatusReceived(p peer.ID, s types.Status) { o.send(&statusReceived{p: p, status: s}) }
func (o observer) GoodbyeReceived(p peer.ID, reason uint64) {
	o.send(&goodbyeReceived{p: p, reason: reason})
}
func (o observer) PingReceived(p peer.ID, seq uint64) { o.send(&pingReceived{p: p, seq: seq}) }

// emptyBlocks serves no blocks: a node without a store.
type emptyBlocks struct{}

func (emptyBlocks) Block(primitives.Root) ([]byte, error) { return nil, store.ErrNotFound }
func (emptyBlocks) CanonicalBlocks(primitives.Slot, uint64, uint64) ([]store.StoredBlock, error) {
	return nil, nil
}

func parentPath(id string) string {
	if i := strings.LastIndex(id, "/"); i >= 0 {
		return id[:i+1]
	}
	return ""
}

func startTicker(system *actor.ActorSystem, self *actor.PID) func() {
	t := time.NewTicker(tickInterval)
	done := make(chan struct{})
	go func() {
		for {
			select {
			case <-t.C:
				system.Root.Send(self, &tick{})
			case <-done:
				return
			}
		}
	}()
	return func() { t.Stop(); close(done) }
}

// ErrBadPeerAddress is returned for a static peer that is neither a multiaddr with /p2p/ nor an ENR.
var ErrBadPeerAddress = errors.New("invalid peer address")

func parsePeer(s string) (peer.AddrInfo, *enode.Node, error) {
	if strings.HasPrefix(s, "enr:") {
		node, err := discovery.ParseENR(s)
		if err != nil {
			return peer.AddrInfo{}, nil, err
		}
		info, err := discovery.AddrInfo(node)
		return info, node, err
	}
	addr, err := ma.NewMultiaddr(s)
	if err != nil {
		return peer.AddrInfo{}, nil, fmt.Errorf("%w: %w", ErrBadPeerAddress, err)
	}
	info, err := peer.AddrInfoFromP2pAddr(addr)
	if err != nil {
		return peer.AddrInfo{}, nil, fmt.Errorf("%w: %w", ErrBadPeerAddress, err)
	}
	return *info, nil, nil
}
