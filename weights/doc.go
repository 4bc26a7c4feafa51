// Package weights reads weight files as PyTorch users have them and loads
// them into a graph.Params store, through one path every zoo command uses.
//
// Formats, told apart by their first bytes (never the file name):
//
//   - safetensors of any dtype PyTorch writes: F32 and F64, F16 and BF16
//     (widened to float32 exactly), integer buffers (I64, I32, U8, BOOL);
//   - torch.save zip files (PyTorch >= 1.6, .pt/.pth/.bin): a state_dict,
//     or a checkpoint dict holding one under "state_dict",
//     "model_state_dict" or "model" (its plain values, such as "epoch" and
//     "arch", become metadata), with storages of Float, Double, Half,
//     BFloat16, Long, Int, Byte or Bool and any view of them (storage
//     offsets, non-contiguous strides); keys all prefixed "module."
//     (DataParallel) lose the prefix.
//
// The legacy non-zip torch.save format is refused with the command that
// re-saves it. Load converts float tensors to the dtype of the parameter
// each fills.
//
// # num_batches_tracked
//
// PyTorch's batch norms keep an I64 counter, num_batches_tracked, used
// only when momentum is None (a cumulative average). convzoo's batch norm
// always uses a momentum (0.1, PyTorch's default) and evaluation never
// reads the counter, so convzoo does not store it: Load skips these keys
// (Report.Skipped says so), and files convzoo writes lack them. PyTorch's
// load_state_dict(strict=True) accepts such files (it fills the counter
// in), which the tests check against torchvision.
//
// # Hostile files
//
// Every file is outside input. The pickle inside a torch.save zip is run
// by this package's own small unpickler, which knows only the opcodes a
// state_dict uses, accepts only the GLOBALs a state_dict needs
// (collections.OrderedDict, torch._utils._rebuild_tensor_v2 and
// _rebuild_parameter, torch.*Storage) and refuses anything else by name,
// before building anything. Every length is checked against the bytes left
// before it is allocated; data.pkl is capped at 64 MiB; a storage is read
// only if its zip entry holds exactly the bytes its declared elements
// need, so a zip bomb decompresses at most what the tensors declare (and a
// compressed entry at most 1032 times its compressed size, deflate's
// limit); a view is checked to stay inside its storage before it is
// gathered.
//
// github.com/nlpodyssey/gopickle (v0.2.0) was tried and not used: it
// allocates lengths read from the file before reading them (a 12-byte
// FRAME or BINBYTES8 asks for terabytes: "makeslice: len out of range" or
// an out-of-memory kill), panics on a valid zero-length LONG1 ("index out
// of range [-1]"), and resolves collections.OrderedDict, copy_reg and
// __builtin__ classes before its FindClass hook, so an allow-list cannot
// be enforced through it. A state_dict needs about 35 opcodes.
package weights
