#!/usr/bin/env bash
# Build llama-cpp-python from its sdist once, portably, and install it into a virtualenv.
#   scripts/install-llamacpp.sh [PYTHON]      (PYTHON: the venv's python, default .venv/bin/python)
# Called by `scripts/setup --llamacpp`. Safe to re-run: the second time it installs the kept wheel.
#
# Why not plain `pip install llama-cpp-python`:
# - the registry has only the sdist, which compiles llama.cpp (11-16 min on 2 cores);
# - llama.cpp's default is a native build (-march=native); on CPUs with AMX that build crashed with
#   SIGILL in ggml's AMX kernel for any prompt longer than one token. We build for x86-64 with
#   AVX2/FMA/F16C/BMI2, plus AVX-512 (F/CD/VL/DQ/BW, VNNI, BF16) and AVX-VNNI when this CPU has them (the
#   1.5B model ran 1.36x faster with them: 27.5 vs 37.4 s/article, quiet 2-core machine), never AMX. The
#   wheel is kept per machine (the key holds the flags), so it never meets a CPU it was not built for;
# - pip's wheel cache key ignores CMAKE_ARGS, so it could silently reuse a wheel built with other flags.
#   The wheel is kept in our own directory instead, keyed by version + flags + compiler.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${1:-.venv/bin/python}
VERSION=${LLAMACPP_VERSION:-0.3.36}
# The CPU's AVX-512 / VNNI extensions (Linux: /proc/cpuinfo flags), each only if every flag it needs is there.
cpu_flags=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null | cut -d: -f2) "
has() { for f in "$@"; do [[ $cpu_flags == *" $f "* ]] || return 1; done; }
AVX512_FLAGS="-DGGML_AVX512=OFF"
if has avx512f avx512cd avx512vl avx512dq avx512bw; then
  AVX512_FLAGS="-DGGML_AVX512=ON"
  has avx512_vnni && AVX512_FLAGS+=" -DGGML_AVX512_VNNI=ON"
  has avx512_bf16 && AVX512_FLAGS+=" -DGGML_AVX512_BF16=ON"
fi
has avx_vnni && AVX512_FLAGS+=" -DGGML_AVX_VNNI=ON"
CMAKE_FLAGS=${LLAMACPP_CMAKE_ARGS:-"-DGGML_NATIVE=OFF -DGGML_SSE42=ON -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON \
-DGGML_F16C=ON -DGGML_BMI2=ON $AVX512_FLAGS -DGGML_AMX_TILE=OFF -DGGML_AMX_INT8=OFF -DGGML_AMX_BF16=OFF \
-DLLAVA_BUILD=OFF -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF"}

compiler=$( (c++ --version 2>/dev/null || echo none) | head -1)
key=$(printf '%s\n%s\n%s\n%s\n' "$VERSION" "$CMAKE_FLAGS" "$compiler" "$(uname -m)" | sha256sum | cut -c1-16)
WHEELS=${NEWSFACTS_CACHE:-$HOME/.cache/newsfacts}/wheels/llama-cpp-python-$VERSION-$key
shopt -s nullglob
wheels=("$WHEELS"/llama_cpp_python-"$VERSION"-*.whl)
if (( ${#wheels[@]} == 0 )); then
  echo "building llama-cpp-python $VERSION from source (AVX2${AVX512_FLAGS:+, $AVX512_FLAGS}, no AMX; 7-20 min on 2 cores) into $WHEELS"
  mkdir -p "$(dirname "$WHEELS")"
  tmp=$(mktemp -d "$WHEELS.tmp-XXXXXX") && chmod 755 "$tmp"
  trap 'rm -rf "$tmp"' EXIT
  if ! CMAKE_ARGS="$CMAKE_FLAGS" CMAKE_BUILD_PARALLEL_LEVEL=${CMAKE_BUILD_PARALLEL_LEVEL:-$(nproc)} \
      "$PY" -m pip wheel --no-deps --no-cache-dir --no-binary llama-cpp-python "llama-cpp-python==$VERSION" \
      -w "$tmp" --disable-pip-version-check -v > "$tmp/build.log" 2>&1; then
    tail -40 "$tmp/build.log" >&2
    echo "llama-cpp-python $VERSION failed to build (needs cmake, ninja or make, and a C++ compiler)" >&2
    exit 1
  fi
  rm "$tmp/build.log"
  printf '%s\n' "$CMAKE_FLAGS" > "$tmp/CMAKE_ARGS"
  mv -T "$tmp" "$WHEELS" 2>/dev/null || true   # another run finished first: keep its wheel
  rm -rf "$tmp"
  trap - EXIT
  wheels=("$WHEELS"/llama_cpp_python-"$VERSION"-*.whl)
fi
# With its dependencies; then once more, forced: pip skips a wheel of the installed version even when it was
# built with other flags, and this one must replace it.
"$PY" -m pip install --disable-pip-version-check -q "${wheels[0]}"
"$PY" -m pip install --disable-pip-version-check -q --force-reinstall --no-deps "${wheels[0]}"
