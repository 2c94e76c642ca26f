package actors

import (
	"context"
	"log/slog"
	"runtime/debug"

	"github.com/asynkron/protoactor-go/actor"
)

// Option configures NewProps.
type Option func(*options)

type options struct {
	logger  *slog.Logger
	faults  *FaultInjector
	mailbox actor.MailboxProducer
	props   []actor.PropsOption
}

// WithLogger sets the logger the actor's logger derives from; the default (and for nil) is slog.Default().
func WithLogger(logger *slog.Logger) Option {
	return func(o *options) { o.logger = logger }
}

// WithFaults puts the injector's middleware in front of the actor, so faults set for its name apply to it.
// A nil injector adds nothing.
func WithFaults(faults *FaultInjector) Option {
	return func(o *options) { o.faults = faults }
}

// WithMailbox sets the actor's mailbox, e.g. Bounded or a preset; the default is protoactor's unbounded mailbox.
func WithMailbox(mailbox actor.MailboxProducer) Option {
	return func(o *options) { o.mailbox = mailbox }
}

// WithPropsOptions appends protoactor props options. Receiver middleware given here runs inside the kit's.
func WithPropsOptions(opts ...actor.PropsOption) Option {
	return func(o *options) { o.props = append(o.props, opts...) }
}

// NewProps returns the props of a Salamander actor called name. Every actor built from them:
//   - gets ctx.Logger(), the base logger with actor=name;
//   - fails with a *Crash, which carries the stack, whenever it panics;
//   - has an incarnation, from Started to Restarting or Stopping, that bounds the goroutines it starts with Go
//     and the replies it awaits with Request;
//   - fails when a goroutine it started with Go panics (see Go);
//   - with WithFaults, is subject to the injector's faults for name.
func NewProps(name string, producer actor.Producer, opts ...Option) *actor.Props {
	o := options{logger: slog.Default()}
	for _, opt := range opts {
		opt(&o)
	}
	if o.logger == nil {
		o.logger = slog.Default()
	}
	logger := o.logger.With("actor", name)

	middleware := []actor.ReceiverMiddleware{crashMiddleware(name), incarnationMiddleware}
	if o.faults != nil {
		middleware = append(middleware, o.faults.Middleware(name))
	}
	middleware = append(middleware, goroutinePanicMiddleware(name))

	props := []actor.PropsOption{
		actor.WithContextDecorator(func(next actor.ContextDecoratorFunc) actor.ContextDecoratorFunc {
			return func(ctx actor.Context) actor.Context {
				return &kitContext{Context: next(ctx), name: name, logger: logger}
			}
		}),
		actor.WithReceiverMiddleware(middleware...),
	}
	if o.mailbox != nil {
		props = append(props, actor.WithMailbox(o.mailbox))
	}
	return actor.PropsFromProducer(producer, append(props, o.props...)...)
}

// kitContext is the context an actor built by NewProps receives. protoactor creates it once per spawned actor
// and keeps it across restarts; incarnation is replaced on every Started.
type kitContext struct {
	actor.Context
	name        string
	logger      *slog.Logger
	incarnation *incarnation
}

// Logger returns the actor's logger, which carries its actor attribute.
func (c *kitContext) Logger() *slog.Logger { return c.logger }

// incarnation is one life of an actor, from Started until it restarts or stops.
type incarnation struct {
	ctx    context.Context
	cancel context.CancelFunc
}

func newIncarnation() *incarnation {
	ctx, cancel := context.WithCancel(context.Background())
	return &incarnation{ctx: ctx, cancel: cancel}
}

// currentIncarnation is the incarnation of the actor behind ctx, or nil for an actor not built by NewProps.
func currentIncarnation(ctx actor.Context) *incarnation {
	if kc, ok := ctx.(*kitContext); ok {
		return kc.incarnation
	}
	return nil
}

func incarnationMiddleware(next actor.ReceiverFunc) actor.ReceiverFunc {
	return func(ctx actor.ReceiverContext, env *actor.MessageEnvelope) {
		kc, ok := ctx.(*kitContext)
		if !ok {
			next(ctx, env)
			return
		}
		switch env.Message.(type) {
		case *actor.Started:
			kc.incarnation = newIncarnation()
		case *actor.Restarting, *actor.Stopping:
			if inc := kc.incarnation; inc != nil {
				defer inc.cancel()
			}
		}
		next(ctx, env)
	}
}

// Crash is the failure reason a supervisor receives when an actor built by NewProps panicked, in Receive, in a
// Request callback or in a goroutine started with Go.
type Crash struct {
	Actor     string // the actor that failed
	Goroutine string // the name given to Go, when the panic happened in such a goroutine
	Value     any    // the value passed to panic
	Stack     []byte // the stack of the panicking goroutine
}

func (c *Crash) Error() string {
	// A fatal failure is the actor's deliberate verdict on its resources, not a bug: say so.
	verb := " panicked: "
	if IsFatal(c.Value) {
		verb = " failed: "
	}
	if c.Goroutine != "" {
		return "goroutine " + c.Goroutine + " of " + c.Actor + verb + valueString(c.Value)
	}
	return c.Actor + verb + valueString(c.Value)
}

// Unwrap returns the panic value when it is an error, so errors.Is and errors.As see through a crash.
func (c *Crash) Unwrap() error {
	err, _ := c.Value.(error)
	return err
}

// crashMiddleware turns any panic below it into a *Crash that carries the stack: protoactor recovers panics
// itself but drops the stack, which is the one thing needed to fix the bug.
func crashMiddleware(name string) actor.ReceiverMiddleware {
	return func(next actor.ReceiverFunc) actor.ReceiverFunc {
		return func(ctx actor.ReceiverContext, env *actor.MessageEnvelope) {
			defer repanicAsCrash(name)
			next(ctx, env)
		}
	}
}

// repanicAsCrash must be deferred directly: recover only works there.
func repanicAsCrash(name string) {
	if r := recover(); r != nil {
		if c, ok := r.(*Crash); ok {
			panic(c)
		}
		panic(&Crash{Actor: name, Value: r, Stack: debug.Stack()})
	}
}
