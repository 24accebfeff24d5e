// Package optim holds optimizers beyond PyTorch's usual four of package zoo,
// written as a program outside this module would write its own: against
// zoo's exported API alone (zoo.OptimizerSpec, zoo.RegisterOptimizer,
// zoo.ParamFloat32s), one file each, registered when the package is
// imported. The command imports it, so its optimizers take -optimizer and
// a flag for each of their settings.
//
// Each matches its torch.optim class to float32 rounding after five steps
// on the fixture bench/torch_optim.py writes (see package optimtest).
package optim
