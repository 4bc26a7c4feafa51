// Package half converts between float32 and the two 16-bit float formats
// PyTorch writes: IEEE 754 binary16 ("F16", torch.half) and bfloat16
// ("BF16", torch.bfloat16, the top half of a float32).
//
// Widening (16 -> 32 bits) is exact. Narrowing rounds to nearest, ties to
// even, as PyTorch's .half() and .bfloat16() do; NaN stays NaN and values
// beyond the format's range become infinities.
package half

import "math"

// F16ToF32 widens a binary16 value, exactly (subnormals included).
func F16ToF32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	man := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f: // inf or NaN
		return math.Float32frombits(sign | 0xff<<23 | man<<13)
	case exp != 0: // normal
		return math.Float32frombits(sign | (exp+127-15)<<23 | man<<13)
	case man == 0: // signed zero
		return math.Float32frombits(sign)
	}
	// subnormal: man * 2^-24, exact in float32
	v := float32(man) * (1.0 / (1 << 24))
	if sign != 0 {
		v = -v
	}
	return v
}

// F32ToF16 narrows to binary16, rounding to nearest even.
func F32ToF16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	man := b & 0x7fffff
	if exp == 0xff { // inf or NaN (keep NaN quiet and non-zero)
		if man != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	}
	e := exp - 127 + 15
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 { // subnormal or zero in binary16
		if e < -10 {
			return sign
		}
		man |= 0x800000 // implicit bit
		shift := uint32(14 - e)
		return sign | uint16(roundShift(man, shift))
	}
	// normal: drop 13 bits with rounding; a carry into the exponent is right
	v := uint32(e)<<10 | man>>13
	rem := man & 0x1fff
	if rem > 0x1000 || rem == 0x1000 && v&1 == 1 {
		v++
	}
	return sign | uint16(v) // v == 0x7c00 after a carry is +inf, correctly
}

// roundShift returns x >> s rounded to nearest even.
func roundShift(x, s uint32) uint32 {
	v := x >> s
	rem := x & (1<<s - 1)
	halfway := uint32(1) << (s - 1)
	if rem > halfway || rem == halfway && v&1 == 1 {
		v++
	}
	return v
}

// BF16ToF32 widens a bfloat16 value, exactly.
func BF16ToF32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// F32ToBF16 narrows to bfloat16, rounding to nearest even.
func F32ToBF16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 { // NaN: keep it a quiet NaN
		return uint16(b>>16) | 0x40
	}
	return uint16((b + 0x7fff + (b>>16)&1) >> 16)
}
