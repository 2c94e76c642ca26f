package peers

import (
	"time"

	"github.com/asynkron/protoactor-go/actor"
)

// Actor is the peers actor. Build its props with actors.NewProps, which gives it its logger.
type Actor struct{ core *core }

// NewActor returns a peers actor; its state is made when it starts.
func NewActor() actor.Actor { return &Actor{} }

func (a *Actor) Receive(ctx actor.Context) {
	switch ctx.Message().(type) {
	case *actor.Started:
		a.core = newCore(time.Now())
		ctx.Logger().Info("Started")
	case *StatusRequest:
		ctx.Respond(&StatusResponse{Status: a.core.answerStatus()})
	case *actor.Stopped:
		ctx.Logger().Info("Stopped")
	}
}
