"""How the rules are compiled: numba's ``njit`` with an on-disk cache, and a memory hint.

Every per-customer rule in :mod:`trustsim.mechanisms` is a small function decorated with
:func:`rule`, and the loops of :mod:`trustsim.phases` call them; numba inlines them into one
compiled pass per phase. With ``NUMBA_DISABLE_JIT=1`` numba leaves every decorated function a
plain Python function, so the very same default path runs as Python that a debugger can step
through (slowly; tests/test_one_source.py checks that both give identical tables).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import numba
from llvmlite import ir
from numba import types
from numba.core import cgutils
from numba.core import config as numba_config
from numba.extending import intrinsic

AHEAD = 16
"""Rows to prefetch ahead in passes over the (customer x supplier) arrays."""


def rule(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Compile a per-customer rule (or a loop over customers) with numba; cached on disk.

    Rules are inlined into the loops that call them, so a rule costs no call at run time.
    ``error_model="numpy"``: no rule divides by zero, and without Python's zero-division checks
    numba can keep the loops branch-free (a third off the delivery pass; results unchanged).
    """
    return numba.njit(cache=True, inline="always", error_model="numpy")(fn)


def loop(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Compile a pass over customers (calls rules); cached on disk."""
    return numba.njit(cache=True, inline="always", error_model="numpy")(fn)


@intrinsic
def _prefetch(typingctx: Any, array: Any, i: Any, j: Any) -> Any:
    """LLVM's prefetch hint for ``array[i, j]`` (no effect on results).

    The trust array is read one row per customer at an irregular stride, which the hardware
    prefetcher does not follow; without the hint a pass waits on memory for every customer.
    """
    sig = types.void(array, i, j)

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        arrty = signature.args[0]
        arr = context.make_array(arrty)(context, builder, args[0])
        idx = [context.cast(builder, a, t, types.intp) for a, t in zip(args[1:], signature.args[1:], strict=True)]
        idx += [context.get_constant(types.intp, 0)] * (arrty.ndim - 2)
        ptr = cgutils.get_item_pointer2(
            context,
            builder,
            data=arr.data,
            shape=cgutils.unpack_tuple(builder, arr.shape),
            strides=cgutils.unpack_tuple(builder, arr.strides),
            layout=arrty.layout,
            inds=idx,
        )
        i8p, i32 = ir.IntType(8).as_pointer(), ir.IntType(32)
        fn = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32]), "llvm.prefetch.p0"
        )
        builder.call(fn, [builder.bitcast(ptr, i8p), ir.Constant(i32, 1), ir.Constant(i32, 3), ir.Constant(i32, 1)])
        return context.get_dummy_value()

    return sig, codegen


def _no_prefetch(array: Any, i: Any, j: Any) -> None:
    """Plain Python has no cache hints."""


prefetch: Callable[[Any, Any, Any], None] = cast(
    Callable[[Any, Any, Any], None], _no_prefetch if getattr(numba_config, "DISABLE_JIT", 0) else _prefetch
)
"""Prefetch ``array[i, j]`` into cache in compiled code; nothing in plain Python."""
