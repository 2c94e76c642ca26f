package config

import (
	"fmt"

	"github.com/spf13/pflag"
)

// AddFlags registers a flag for every key on fs. The defaults shown in the help are the built-in ones with
// overrides applied (the same map Sources.Defaults takes); Load never reads a flag the user did not set.
func AddFlags(fs *pflag.FlagSet, overrides map[string]any) {
	for _, o := range options() {
		def := o.def
		if v, ok := overrides[o.key]; ok {
			def = v
		}
		usage := fmt.Sprintf("%s (%s, $%s)", o.usage, o.key, EnvName(o.key))
		switch o.kind {
		case kindBool:
			b, _ := def.(bool)
			fs.Bool(o.flag, b, usage)
		case kindList:
			list, _ := def.([]string)
			fs.StringSlice(o.flag, list, usage+"; repeat or separate with commas")
		default:
			s, _ := def.(string)
			fs.String(o.flag, s, usage)
		}
	}
}
