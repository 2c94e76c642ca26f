package gossip

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"sync"
	"time"

	pubsub "github.com/libp2p/go-libp2p-pubsub"
	pb "github.com/libp2p/go-libp2p-pubsub/pb"
	"github.com/libp2p/go-libp2p/core/host"
	"github.com/libp2p/go-libp2p/core/peer"

	"github.com/salamander-client/salamander/params"
	"github.com/salamander-client/salamander/primitives"
)

// ValidateFunc decides on one received message (its topic and compressed data); it runs on pubsub's validation
// goroutines and may block until its deadline.
type ValidateFunc func(ctx context.Context, from peer.ID, topic string, data []byte) Result

// RouterConfig configures a Router.
type RouterConfig struct {
	Spec     *params.Spec
	Digest   primitives.ForkDigest // the fork digest of the Topics that carry none
	Topics   []Topic               // the topics to subscribe to at start; Subscribe adds more
	Validate ValidateFunc
	// AppScore is the application-specific score of a peer, added to its gossipsub score (weight 1).
	AppScore func(peer.ID) float64
	Logger   *slog.Logger
}

// Router is the gossipsub router of one libp2p host: the spec's parameters and message-id, StrictNoSign, peer
// scoring, every subscribed topic joined with the validator in front. Build it with the host; it dies with it.
type Router struct {
	ps       *pubsub.PubSub
	ctx      context.Context
	cancel   context.CancelFunc
	spec     *params.Spec
	validate pubsub.ValidatorEx

	mu     sync.Mutex
	topics map[string]*joined
	scores map[peer.ID]float64
}

// joined is a topic the router joined and subscribed to.
type joined struct {
	topic *pubsub.Topic
	sub   *pubsub.Subscription
}

// GossipParams are the spec's gossipsub parameters (phase0 p2p), with the rest at the library's defaults.
func GossipParams() pubsub.GossipSubParams {
	p := pubsub.DefaultGossipSubParams()
	p.D, p.Dlo, p.Dhi, p.Dlazy = 8, 6, 12, 6
	p.HeartbeatInterval = 700 * time.Millisecond
	p.FanoutTTL = 60 * time.Second
	p.HistoryLength, p.HistoryGossip = 6, 3
	return p
}

// SeenTTL is the spec's seen_ttl: SECONDS_PER_SLOT * SLOTS_PER_EPOCH * 2.
func SeenTTL(spec *params.Spec) time.Duration {
	return spec.SlotDuration * time.Duration(spec.SlotsPerEpoch) * 2
}

// ScoreThresholds are the gossipsub thresholds the consensus clients converged on.
func ScoreThresholds() *pubsub.PeerScoreThresholds {
	return &pubsub.PeerScoreThresholds{
		GossipThreshold:             -4000,
		PublishThreshold:            -8000,
		GraylistThreshold:           -16000,
		AcceptPXThreshold:           100,
		OpportunisticGraftThreshold: 5,
	}
}

// ScoreParams are the peer-score parameters: the spec leaves them to clients. Every topic penalises invalid
// messages heavily and rewards first deliveries a little; mesh-delivery penalties are off, because a small or
// quiet network (a devnet, a fresh subnet) would punish honest peers for silence.
func ScoreParams(spec *params.Spec, topics []string, appScore func(peer.ID) float64) *pubsub.PeerScoreParams {
	slot := spec.SlotDuration
	epoch := slot * time.Duration(spec.SlotsPerEpoch)
	decay := func(d time.Duration) float64 { return pubsub.ScoreParameterDecayWithBase(d, slot, 0.01) }
	p := &pubsub.PeerScoreParams{
		Topics:                      map[string]*pubsub.TopicScoreParams{},
		TopicScoreCap:               32.72,
		AppSpecificScore:            appScore,
		AppSpecificWeight:           1,
		IPColocationFactorWeight:    -35.11,
		IPColocationFactorThreshold: 10,
		BehaviourPenaltyWeight:      -15.92,
		BehaviourPenaltyThreshold:   6,
		BehaviourPenaltyDecay:       decay(10 * epoch),
		DecayInterval:               slot,
		DecayToZero:                 0.01,
		RetainScore:                 100 * epoch,
	}
	if p.AppSpecificScore == nil {
		p.AppSpecificScore = func(peer.ID) float64 { return 0 }
	}
	for _, t := range topics {
		p.Topics[t] = &pubsub.TopicScoreParams{
			TopicWeight:                     0.5,
			TimeInMeshWeight:                0.0333,
			TimeInMeshQuantum:               slot,
			TimeInMeshCap:                   300,
			FirstMessageDeliveriesWeight:    1,
			FirstMessageDeliveriesDecay:     decay(20 * epoch),
			FirstMessageDeliveriesCap:       20,
			MeshMessageDeliveriesDecay:      decay(epoch),
			MeshMessageDeliveriesCap:        1,
			MeshMessageDeliveriesThreshold:  1,
			MeshMessageDeliveriesWindow:     2 * time.Second,
			MeshMessageDeliveriesActivation: 4 * epoch,
			MeshFailurePenaltyDecay:         decay(epoch),
			InvalidMessageDeliveriesWeight:  -140,
			InvalidMessageDeliveriesDecay:   decay(50 * epoch),
		}
	}
	return p
}

// NewRouter starts gossipsub on h and joins and subscribes to cfg.Topics.
func NewRouter(h host.Host, cfg RouterConfig) (*Router, error) {
	ctx, cancel := context.WithCancel(context.Background())
	r := &Router{ctx: ctx, cancel: cancel, spec: cfg.Spec, topics: map[string]*joined{}, scores: map[peer.ID]float64{}}
	topics := make([]Topic, len(cfg.Topics))
	names := make([]string, len(cfg.Topics))
	for i, t := range cfg.Topics {
		if t.Digest == (primitives.ForkDigest{}) {
			t.Digest = cfg.Digest
		}
		topics[i], names[i] = t, t.String()
	}
	maxPayload := cfg.Spec.MaxPayloadSize
	opts := []pubsub.Option{
		pubsub.WithMessageSignaturePolicy(pubsub.StrictNoSign),
		pubsub.WithNoAuthor(),
		pubsub.WithMessageIdFn(func(m *pb.Message) string {
			return MessageID(cfg.Spec, m.GetTopic(), m.GetData(), maxPayload)
		}),
		pubsub.WithGossipSubParams(GossipParams()),
		pubsub.WithSeenMessagesTTL(SeenTTL(cfg.Spec)),
		pubsub.WithMaxMessageSize(int(min(maxMessageSize(maxPayload), math.MaxInt32))),
		pubsub.WithPeerScore(ScoreParams(cfg.Spec, names, cfg.AppScore), ScoreThresholds()),
		pubsub.WithPeerScoreInspect(func(scores map[peer.ID]float64) {
			r.mu.Lock()
			r.scores = scores
			r.mu.Unlock()
		}, time.Second),
		pubsub.WithValidateQueueSize(1024),
		pubsub.WithPeerOutboundQueueSize(600),
		pubsub.WithFloodPublish(false),
	}
	if cfg.Logger != nil {
		opts = append(opts, pubsub.WithLogger(cfg.Logger))
	}
	ps, err := pubsub.NewGossipSub(ctx, h, opts...)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("start gossipsub: %w", err)
	}
	r.ps = ps
	r.validate = func(ctx context.Context, from peer.ID, m *pubsub.Message) pubsub.ValidationResult {
		switch cfg.Validate(ctx, from, m.GetTopic(), m.GetData()) {
		case Accept:
			return pubsub.ValidationAccept
		case Reject:
			return pubsub.ValidationReject
		}
		return pubsub.ValidationIgnore
	}
	if err := r.Subscribe(topics...); err != nil {
		r.Close()
		return nil, err
	}
	return r, nil
}

// Subscribe joins and subscribes to the topics not joined yet, each with its own fork digest, behind the
// validator and with the topic score parameters. Subnet rotation and fork transitions add topics this way.
func (r *Router) Subscribe(topics ...Topic) error {
	for _, t := range topics {
		name := t.String()
		r.mu.Lock()
		_, ok := r.topics[name]
		r.mu.Unlock()
		if ok {
			continue
		}
		if err := r.join(name); err != nil {
			return err
		}
	}
	return nil
}

func (r *Router) join(name string) (err error) {
	if err := r.ps.RegisterTopicValidator(name, r.validate, pubsub.WithValidatorTimeout(2*time.Second)); err != nil {
		return fmt.Errorf("validator for %s: %w", name, err)
	}
	topic, err := r.ps.Join(name)
	if err != nil {
		_ = r.ps.UnregisterTopicValidator(name)
		return fmt.Errorf("join %s: %w", name, err)
	}
	defer func() {
		if err != nil {
			_ = topic.Close()
			_ = r.ps.UnregisterTopicValidator(name)
		}
	}()
	// Topics joined after start get the same score parameters as the first ones.
	if err := topic.SetScoreParams(ScoreParams(r.spec, []string{name}, nil).Topics[name]); err != nil {
		return fmt.Errorf("score parameters of %s: %w", name, err)
	}
	sub, err := topic.Subscribe()
	if err != nil {
		return fmt.Errorf("subscribe %s: %w", name, err)
	}
	r.mu.Lock()
	r.topics[name] = &joined{topic: topic, sub: sub}
	r.mu.Unlock()
	// Validated messages reached the gossip actor through the validator; the subscription only keeps us in the
	// mesh, so its messages are dropped here. Next ends when the subscription is cancelled or the router closes.
	go func() {
		for {
			if _, err := sub.Next(r.ctx); err != nil {
				return
			}
		}
	}()
	return nil
}

// Unsubscribe leaves the topics named (as Subscribed lists them): peers are told, the mesh is pruned and their
// messages are no longer validated.
func (r *Router) Unsubscribe(names ...string) error {
	var errs []error
	for _, name := range names {
		r.mu.Lock()
		j := r.topics[name]
		delete(r.topics, name)
		r.mu.Unlock()
		if j == nil {
			continue
		}
		j.sub.Cancel()
		if err := j.topic.Close(); err != nil {
			errs = append(errs, fmt.Errorf("leave %s: %w", name, err))
		}
		if err := r.ps.UnregisterTopicValidator(name); err != nil {
			errs = append(errs, fmt.Errorf("validator of %s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// Subscribed lists the names of the topics the router is subscribed to, sorted.
func (r *Router) Subscribed() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	names := make([]string, 0, len(r.topics))
	for name := range r.topics {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

func maxMessageSize(maxPayload uint64) uint64 {
	return max(32+maxPayload+maxPayload/6+1024, 1024*1024)
}

// Publish snappy-compresses ssz and publishes it on a joined topic.
func (r *Router) Publish(ctx context.Context, topic string, ssz []byte) error {
	r.mu.Lock()
	j := r.topics[topic]
	r.mu.Unlock()
	if j == nil {
		return fmt.Errorf("publish on %s: %w: not subscribed", topic, ErrUnknownTopic)
	}
	if err := j.topic.Publish(ctx, Encode(ssz)); err != nil {
		return fmt.Errorf("publish on %s: %w", topic, err)
	}
	return nil
}

// Scores returns the latest gossipsub score of every known peer.
func (r *Router) Scores() map[peer.ID]float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[peer.ID]float64, len(r.scores))
	for p, s := range r.scores {
		out[p] = s
	}
	return out
}

// TopicPeers lists the peers subscribed to a topic that we know of.
func (r *Router) TopicPeers(topic string) []peer.ID { return r.ps.ListPeers(topic) }

// Close stops the router.
func (r *Router) Close() { r.cancel() }
