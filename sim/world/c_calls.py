"""Calls of C functions by address from compiled kernels (numba intrinsics; needs numba).

A kernel that draws from numpy's generators calls numpy's own C functions (sim.world.
stream_kernels).  Their addresses change from process to process, so the kernels take them
as plain integers and call them through these intrinsics: the compiled kernels then load
from numba's cache in every process, and a call costs what a call of a kernel with integer
arguments costs (a ctypes function passed instead is typed again at every call).

``call_<r>_<params>(address, (arg, ...))`` calls a function returning ``r`` with parameters
``params``, one letter each: ``p`` a pointer (given as an integer), ``d`` a double, ``i`` a
64-bit signed and ``u`` an unsigned integer, ``b`` a C bool; ``r`` is one of ``d``, ``i``,
``u`` or ``v`` (void).  :func:`call_d8_block` calls a function of one 8-double vector (numpy's
own SIMD ``exp`` and ``log``) on 8 values in memory.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

_LLVM = {"p": ir.IntType(8).as_pointer(), "d": ir.DoubleType(), "i": ir.IntType(64),
         "u": ir.IntType(64), "b": ir.IntType(8), "v": ir.VoidType()}
_NUMBA = {"p": types.uint64, "d": types.float64, "i": types.int64, "u": types.uint64,
          "b": types.uint8, "v": types.void}


def _caller(ret: str, params: str):
    """The intrinsic for C functions of type ``ret(params)``."""
    fnty = ir.FunctionType(_LLVM[ret], [_LLVM[c] for c in params])

    def typer(typingctx, address, args):
        if not isinstance(args, types.BaseTuple) or len(args.types) != len(params):
            return None
        sig = _NUMBA[ret](address, args)

        def codegen(context, builder, signature, llargs):
            where = context.cast(builder, llargs[0], signature.args[0], types.uint64)
            fn = builder.inttoptr(where, fnty.as_pointer())
            values = []
            for k, (c, given) in enumerate(zip(params, args.types)):
                v = context.cast(builder, builder.extract_value(llargs[1], k), given,
                                 _NUMBA[c])
                values.append(builder.inttoptr(v, _LLVM["p"]) if c == "p" else v)
            out = builder.call(fn, values)
            return context.get_dummy_value() if ret == "v" else out
        return sig, codegen

    typer.__name__ = f"call_{ret}_{params}"
    return intrinsic(typer)


call_d_p = _caller("d", "p")            # next_double(state), random_standard_normal(bitgen)
call_i_pd = _caller("i", "pd")          # random_poisson, random_geometric (bitgen, x)
call_d_pdd = _caller("d", "pdd")        # random_beta (bitgen, a, b)
call_i_pdip = _caller("i", "pdip")      # random_binomial (bitgen, p, n, scratch)
call_u_puuub = _caller("u", "puuub")    # random_bounded_uint64 (bitgen, off, rng, mask, masked)
call_v_puuibp = _caller("v", "puuibp")  # ..._fill (bitgen, off, rng, count, masked, out)


_V8 = ir.VectorType(ir.DoubleType(), 8)


@intrinsic
def call_d8_block(typingctx, address, src, dst):
    """``dst[0:8] = f(src[0:8])`` for the C function ``f`` at ``address`` of one vector of 8
    doubles, with ``src`` and ``dst`` the addresses (integers) of 8 doubles each."""
    sig = types.void(address, src, dst)

    def codegen(context, builder, signature, llargs):
        ptrs = [builder.inttoptr(context.cast(builder, v, t, types.uint64), ptr_type)
                for v, t, ptr_type in zip(llargs, signature.args,
                                          (ir.FunctionType(_V8, [_V8]).as_pointer(),
                                           _V8.as_pointer(), _V8.as_pointer()))]
        fn, s, d = ptrs
        builder.store(builder.call(fn, [builder.load(s, align=8)]), d, align=8)
        return context.get_dummy_value()
    return sig, codegen
