package weights

import (
	"encoding/binary"
	"fmt"
	"math"
	"strings"

	"github.com/pkg/errors"
)

// The unpickler below reads the subset of Python's pickle format that
// torch.save writes for a state_dict or a checkpoint dict, and nothing
// else: each length is checked against the bytes left before anything is
// allocated, every GLOBAL must be on the allow-list, and an opcode outside
// the subset (INST, OBJ, NEWOBJ, EXT*, text-mode PERSID, ...) is an error
// naming it. Python objects become the Go values below.

type (
	// pyGlobal is a GLOBAL reference: a class or function by name.
	pyGlobal struct{ module, name string }
	// pyTuple is a Python tuple.
	pyTuple []any
	// pyList is a Python list (a pointer: APPEND mutates it).
	pyList struct{ items []any }
	// pyDict is a dict or OrderedDict, in insertion order.
	pyDict struct {
		keys []any
		m    map[any]any
	}
	// storageRef is one PyTorch storage: archive/data/<key>, numel
	// elements of dtype (a stdtype name).
	storageRef struct {
		dtype, key string
		numel      int64
	}
	// tensorRef is torch._utils._rebuild_tensor_v2's arguments.
	tensorRef struct {
		storage      *storageRef
		offset       int64
		size, stride []int64
		requiresGrad bool
	}
)

func newDict() *pyDict { return &pyDict{m: map[any]any{}} }

func (d *pyDict) set(k, v any) error {
	switch k.(type) {
	case string, int64, bool, float64, nil:
	default:
		return errors.Errorf("dict key of type %s", typeName(k))
	}
	if _, ok := d.m[k]; !ok {
		d.keys = append(d.keys, k)
	}
	d.m[k] = v
	return nil
}

// storageTypes maps torch's storage classes to element types.
var storageTypes = map[string]string{
	"FloatStorage": "F32", "DoubleStorage": "F64", "HalfStorage": "F16", "BFloat16Storage": "BF16",
	"LongStorage": "I64", "IntStorage": "I32", "ByteStorage": "U8", "BoolStorage": "BOOL",
}

// allowedGlobal reports whether a GLOBAL may appear in a state_dict pickle.
func allowedGlobal(g pyGlobal) bool {
	switch g.module + "." + g.name {
	case "collections.OrderedDict", "torch._utils._rebuild_tensor_v2",
		"torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
		return true
	}
	_, ok := storageTypes[g.name]
	return g.module == "torch" && ok
}

// opNames names the pickle opcodes for error messages.
var opNames = map[byte]string{
	'(': "MARK", '.': "STOP", '0': "POP", '1': "POP_MARK", '2': "DUP", 'F': "FLOAT", 'I': "INT",
	'J': "BININT", 'K': "BININT1", 'L': "LONG", 'M': "BININT2", 'N': "NONE", 'P': "PERSID",
	'Q': "BINPERSID", 'R': "REDUCE", 'S': "STRING", 'T': "BINSTRING", 'U': "SHORT_BINSTRING",
	'V': "UNICODE", 'X': "BINUNICODE", 'a': "APPEND", 'b': "BUILD", 'c': "GLOBAL", 'd': "DICT",
	'}': "EMPTY_DICT", 'e': "APPENDS", 'g': "GET", 'h': "BINGET", 'i': "INST", 'j': "LONG_BINGET",
	'l': "LIST", ']': "EMPTY_LIST", 'o': "OBJ", 'p': "PUT", 'q': "BINPUT", 'r': "LONG_BINPUT",
	's': "SETITEM", 't': "TUPLE", ')': "EMPTY_TUPLE", 'u': "SETITEMS", 'G': "BINFLOAT",
	0x80: "PROTO", 0x81: "NEWOBJ", 0x82: "EXT1", 0x83: "EXT2", 0x84: "EXT4", 0x85: "TUPLE1",
	0x86: "TUPLE2", 0x87: "TUPLE3", 0x88: "NEWTRUE", 0x89: "NEWFALSE", 0x8a: "LONG1", 0x8b: "LONG4",
	'B': "BINBYTES", 'C': "SHORT_BINBYTES", 0x8c: "SHORT_BINUNICODE", 0x8d: "BINUNICODE8",
	0x8e: "BINBYTES8", 0x8f: "EMPTY_SET", 0x90: "ADDITEMS", 0x91: "FROZENSET", 0x92: "NEWOBJ_EX",
	0x93: "STACK_GLOBAL", 0x94: "MEMOIZE", 0x95: "FRAME", 0x96: "BYTEARRAY8", 0x97: "NEXT_BUFFER",
	0x98: "READONLY_BUFFER",
}

// unpickler holds the state of one run over a pickle held in memory.
type unpickler struct {
	b     []byte
	pos   int
	stack []any
	marks []int
	memo  map[uint32]any
	// persistent resolves BINPERSID's id (torch: a storage tuple).
	persistent func(pid any) (any, error)
}

// unpickle runs the pickle in b and returns its value.
func unpickle(b []byte, persistent func(any) (any, error)) (v any, err error) {
	u := &unpickler{b: b, memo: map[uint32]any{}, persistent: persistent}
	for {
		if u.pos >= len(u.b) {
			return nil, errors.New("pickle ends without STOP")
		}
		at, op := u.pos, u.b[u.pos]
		u.pos++
		done, err := u.step(op)
		if err != nil {
			name := opNames[op]
			if name == "" {
				name = "unknown"
			}
			return nil, errors.Wrapf(err, "pickle opcode %s (0x%02x) at byte %d", name, op, at)
		}
		if done {
			if len(u.stack) != 1 || len(u.marks) != 0 {
				return nil, errors.New("pickle stack not empty at STOP")
			}
			return u.stack[0], nil
		}
	}
}

// take returns the next n bytes, checking that they exist first.
func (u *unpickler) take(n uint64) ([]byte, error) {
	if n > uint64(len(u.b)-u.pos) {
		return nil, errors.Errorf("needs %d bytes, %d left", n, len(u.b)-u.pos)
	}
	r := u.b[u.pos : u.pos+int(n)]
	u.pos += int(n)
	return r, nil
}

func (u *unpickler) uint(n int) (uint64, error) {
	b, err := u.take(uint64(n))
	if err != nil {
		return 0, err
	}
	var v uint64
	for i := n - 1; i >= 0; i-- {
		v = v<<8 | uint64(b[i])
	}
	return v, nil
}

func (u *unpickler) line() (string, error) {
	i := strings.IndexByte(string(u.b[u.pos:min(len(u.b), u.pos+256)]), '\n')
	if i < 0 {
		return "", errors.New("no end of line within 256 bytes")
	}
	s := string(u.b[u.pos : u.pos+i])
	u.pos += i + 1
	return s, nil
}

func (u *unpickler) push(v any) { u.stack = append(u.stack, v) }

func (u *unpickler) pop() (any, error) {
	floor := 0
	if len(u.marks) > 0 {
		floor = u.marks[len(u.marks)-1]
	}
	if len(u.stack) <= floor {
		return nil, errors.New("stack underflow")
	}
	v := u.stack[len(u.stack)-1]
	u.stack = u.stack[:len(u.stack)-1]
	return v, nil
}

func (u *unpickler) top() (any, error) {
	v, err := u.pop()
	if err == nil {
		u.push(v)
	}
	return v, err
}

// popMark pops everything down to the last MARK.
func (u *unpickler) popMark() ([]any, error) {
	if len(u.marks) == 0 {
		return nil, errors.New("no MARK on the stack")
	}
	m := u.marks[len(u.marks)-1]
	u.marks = u.marks[:len(u.marks)-1]
	items := append([]any(nil), u.stack[m:]...)
	u.stack = u.stack[:m]
	return items, nil
}

func (u *unpickler) popN(n int) ([]any, error) {
	r := make([]any, n)
	for i := n - 1; i >= 0; i-- {
		v, err := u.pop()
		if err != nil {
			return nil, err
		}
		r[i] = v
	}
	return r, nil
}

func (u *unpickler) memoize(k uint64) error {
	v, err := u.top()
	if err != nil {
		return err
	}
	u.memo[uint32(k)] = v
	return nil
}

func (u *unpickler) get(k uint64) error {
	v, ok := u.memo[uint32(k)]
	if !ok {
		return errors.Errorf("memo %d not set", k)
	}
	u.push(v)
	return nil
}

// step runs one opcode; done is true at STOP.
func (u *unpickler) step(op byte) (done bool, err error) {
	switch op {
	case 0x80: // PROTO
		p, err := u.uint(1)
		if err == nil && p > 5 {
			err = errors.Errorf("protocol %d", p)
		}
		return false, err
	case 0x95: // FRAME: the whole pickle is in memory; only check the length
		n, err := u.uint(8)
		if err == nil && n > uint64(len(u.b)-u.pos) {
			err = errors.Errorf("frame of %d bytes, %d left", n, len(u.b)-u.pos)
		}
		return false, err
	case '.':
		return true, nil
	case '(':
		u.marks = append(u.marks, len(u.stack))
	case '}':
		u.push(newDict())
	case ']':
		u.push(&pyList{})
	case ')':
		u.push(pyTuple{})
	case 'N':
		u.push(nil)
	case 0x88:
		u.push(true)
	case 0x89:
		u.push(false)
	case 'J':
		v, err := u.uint(4)
		u.push(int64(int32(uint32(v))))
		return false, err
	case 'K':
		v, err := u.uint(1)
		u.push(int64(v))
		return false, err
	case 'M':
		v, err := u.uint(2)
		u.push(int64(v))
		return false, err
	case 0x8a: // LONG1: n bytes, little-endian two's complement
		n, err := u.uint(1)
		if err != nil {
			return false, err
		}
		if n > 8 {
			return false, errors.Errorf("integer of %d bytes is too large", n)
		}
		v, err := u.uint(int(n))
		if n > 0 && n < 8 && v&(1<<(8*n-1)) != 0 {
			v |= ^uint64(0) << (8 * n) // sign-extend
		}
		u.push(int64(v))
		return false, err
	case 'G':
		v, err := u.take(8)
		if err == nil {
			u.push(math.Float64frombits(binary.BigEndian.Uint64(v)))
		}
		return false, err
	case 'X', 0x8c, 0x8d, 'B', 'C': // BINUNICODE, SHORT_BINUNICODE, BINUNICODE8, BINBYTES, SHORT_BINBYTES
		width := map[byte]int{'X': 4, 0x8c: 1, 0x8d: 8, 'B': 4, 'C': 1}[op]
		n, err := u.uint(width)
		if err != nil {
			return false, err
		}
		b, err := u.take(n)
		if err != nil {
			return false, err
		}
		if op == 'B' || op == 'C' {
			u.push(append([]byte(nil), b...))
		} else {
			u.push(string(b))
		}
	case 'q', 'r':
		k, err := u.uint(map[byte]int{'q': 1, 'r': 4}[op])
		if err != nil {
			return false, err
		}
		return false, u.memoize(k)
	case 0x94:
		return false, u.memoize(uint64(len(u.memo)))
	case 'h', 'j':
		k, err := u.uint(map[byte]int{'h': 1, 'j': 4}[op])
		if err != nil {
			return false, err
		}
		return false, u.get(k)
	case 't', 0x85, 0x86, 0x87, 'l', 'd':
		var items []any
		if op == 't' || op == 'l' || op == 'd' {
			items, err = u.popMark()
		} else {
			items, err = u.popN(int(op - 0x84))
		}
		if err != nil {
			return false, err
		}
		switch op {
		case 'l':
			u.push(&pyList{items: items})
		case 'd':
			d := newDict()
			if err := setItems(d, items); err != nil {
				return false, err
			}
			u.push(d)
		default:
			u.push(pyTuple(items))
		}
	case 'a', 'e': // APPEND, APPENDS
		var items []any
		if op == 'a' {
			items, err = u.popN(1)
		} else {
			items, err = u.popMark()
		}
		if err != nil {
			return false, err
		}
		l, err := u.top()
		if err != nil {
			return false, err
		}
		pl, ok := l.(*pyList)
		if !ok {
			return false, errors.Errorf("appending to a %s", typeName(l))
		}
		pl.items = append(pl.items, items...)
	case 's', 'u': // SETITEM, SETITEMS
		var items []any
		if op == 's' {
			items, err = u.popN(2)
		} else {
			items, err = u.popMark()
		}
		if err != nil {
			return false, err
		}
		d, err := u.top()
		if err != nil {
			return false, err
		}
		pd, ok := d.(*pyDict)
		if !ok {
			return false, errors.Errorf("setting items of a %s", typeName(d))
		}
		return false, setItems(pd, items)
	case 'c': // GLOBAL
		mod, err := u.line()
		if err != nil {
			return false, err
		}
		name, err := u.line()
		if err != nil {
			return false, err
		}
		return false, u.global(pyGlobal{mod, name})
	case 0x93: // STACK_GLOBAL
		v, err := u.popN(2)
		if err != nil {
			return false, err
		}
		mod, ok1 := v[0].(string)
		name, ok2 := v[1].(string)
		if !ok1 || !ok2 {
			return false, errors.New("module and name are not strings")
		}
		return false, u.global(pyGlobal{mod, name})
	case 'Q': // BINPERSID
		pid, err := u.pop()
		if err != nil {
			return false, err
		}
		v, err := u.persistent(pid)
		if err != nil {
			return false, err
		}
		u.push(v)
	case 'R': // REDUCE
		v, err := u.popN(2)
		if err != nil {
			return false, err
		}
		args, ok := v[1].(pyTuple)
		if !ok {
			return false, errors.Errorf("arguments are a %s, not a tuple", typeName(v[1]))
		}
		r, err := call(v[0], args)
		if err != nil {
			return false, err
		}
		u.push(r)
	case 'b': // BUILD: set an object's state. A state_dict's OrderedDict
		// carries _metadata (module versions) this way, a Parameter its
		// attributes; neither matters to the numbers, both are dropped.
		if _, err := u.pop(); err != nil {
			return false, err
		}
		obj, err := u.top()
		if err != nil {
			return false, err
		}
		switch obj.(type) {
		case *pyDict, *tensorRef:
		default:
			return false, errors.Errorf("setting the state of a %s", typeName(obj))
		}
	default:
		return false, errors.New("not used by a state_dict: refused")
	}
	return false, nil
}

func setItems(d *pyDict, items []any) error {
	if len(items)%2 != 0 {
		return errors.New("odd number of dict items")
	}
	for i := 0; i < len(items); i += 2 {
		if err := d.set(items[i], items[i+1]); err != nil {
			return err
		}
	}
	return nil
}

func (u *unpickler) global(g pyGlobal) error {
	if !allowedGlobal(g) {
		return errors.Errorf("%s.%s is not part of a state_dict (allowed: collections.OrderedDict, torch._utils._rebuild_tensor_v2, torch._utils._rebuild_parameter, torch.*Storage); save model.state_dict(), not the model or other Python objects", g.module, g.name)
	}
	u.push(g)
	return nil
}

// call applies an allowed callable to its arguments.
func call(f any, args pyTuple) (any, error) {
	g, ok := f.(pyGlobal)
	if !ok {
		return nil, errors.Errorf("calling a %s", typeName(f))
	}
	switch g.module + "." + g.name {
	case "collections.OrderedDict":
		if len(args) != 0 {
			return nil, errors.New("OrderedDict with arguments")
		}
		return newDict(), nil
	case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
		if len(args) < 1 {
			return nil, errors.Errorf("%s without arguments", g.name)
		}
		t, ok := args[0].(*tensorRef)
		if !ok {
			return nil, errors.Errorf("%s of a %s", g.name, typeName(args[0]))
		}
		return t, nil
	case "torch._utils._rebuild_tensor_v2":
		return rebuildTensor(args)
	}
	return nil, errors.Errorf("%s.%s cannot be called", g.module, g.name)
}

// rebuildTensor checks _rebuild_tensor_v2's (storage, storage_offset,
// size, stride, requires_grad, backward_hooks[, metadata]).
func rebuildTensor(args pyTuple) (*tensorRef, error) {
	if len(args) < 4 {
		return nil, errors.Errorf("_rebuild_tensor_v2 with %d arguments", len(args))
	}
	s, ok := args[0].(*storageRef)
	if !ok {
		return nil, errors.Errorf("_rebuild_tensor_v2 of a %s, not a storage", typeName(args[0]))
	}
	off, ok := args[1].(int64)
	if !ok || off < 0 {
		return nil, errors.Errorf("_rebuild_tensor_v2: bad storage offset %v", args[1])
	}
	ints := func(v any, what string) ([]int64, error) {
		t, ok := v.(pyTuple)
		if !ok {
			return nil, errors.Errorf("_rebuild_tensor_v2: %s is a %s, not a tuple", what, typeName(v))
		}
		r := make([]int64, len(t))
		for i, x := range t {
			n, ok := x.(int64)
			if !ok || n < 0 {
				return nil, errors.Errorf("_rebuild_tensor_v2: bad %s %v", what, t)
			}
			r[i] = n
		}
		return r, nil
	}
	size, err := ints(args[2], "size")
	if err != nil {
		return nil, err
	}
	stride, err := ints(args[3], "stride")
	if err != nil {
		return nil, err
	}
	if len(size) != len(stride) {
		return nil, errors.Errorf("_rebuild_tensor_v2: size %v and stride %v differ in rank", size, stride)
	}
	t := &tensorRef{storage: s, offset: off, size: size, stride: stride}
	if len(args) > 4 {
		t.requiresGrad, _ = args[4].(bool)
	}
	return t, nil
}

// typeName names a pickled value's type for error messages.
func typeName(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case pyGlobal:
		return v.module + "." + v.name
	case pyTuple:
		return "tuple"
	case *pyList:
		return "list"
	case *pyDict:
		return "dict"
	case *tensorRef:
		return "tensor"
	case *storageRef:
		return "storage"
	case string:
		return "str"
	case []byte:
		return "bytes"
	case int64:
		return "int"
	case float64:
		return "float"
	case bool:
		return "bool"
	}
	return fmt.Sprintf("%T", v)
}
