#!/usr/bin/env bash
# Runs one libFuzzer target under AddressSanitizer for MINUTES minutes (instrumented build in
# .build-fuzz):
#   scripts/fuzz.sh loaders|http2|deframer|messages|resp MINUTES
# Targets (Fuzz/): the batch loaders (shops.tsv, two_tower.tsv, .npy, embeddings), the server's
# HTTP/2 session (nghttp2 through HTTP2Session), the gRPC deframer, every reco.v1 message, and the
# Redis client's RESP reader (hiredis).
# Seeds come from Fuzz/seeds/TARGET; the corpus grows in .fuzz/corpus/TARGET and crashes land in
# .fuzz/crashes/TARGET (each a file to turn into a regression test). Prints executions and time.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh loaders|http2|deframer|messages|resp MINUTES}
minutes=${2:?usage: scripts/fuzz.sh TARGET MINUTES}
case $target in
  loaders) product=fuzz-batch-loaders ;;
  http2) product=fuzz-http2-session ;;
  deframer) product=fuzz-deframer ;;
  messages) product=fuzz-messages ;;
  resp) product=fuzz-resp ;;
  *) echo "unknown target $target (loaders, http2, deframer, messages, resp)" >&2; exit 2 ;;
esac
# Coverage instrumentation and ASan, linked with libFuzzer's runtime without its main: SwiftPM
# defines each executable's main itself, and FuzzDriver hands over to LLVMFuzzerRunDriver.
runtime="$(dirname "$(dirname "$(command -v swift)")")/lib/clang/$(ls "$(dirname "$(dirname "$(command -v swift)")")/lib/clang" | head -1)/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a"
[ -f "$runtime" ] || { echo "libFuzzer runtime not found at $runtime" >&2; exit 1; }
flags=(--scratch-path .build-fuzz -Xswiftc -sanitize=address -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table
       -Xswiftc -DFUZZING -Xlinker "$runtime" -Xlinker -lstdc++)
swift build "${flags[@]}" --product "$product" >&2
bin="$(swift build "${flags[@]}" --show-bin-path)"
mkdir -p ".fuzz/corpus/$target" ".fuzz/crashes/$target"
seeds=()
[ -d "Fuzz/seeds/$target" ] && seeds=("Fuzz/seeds/$target")
# -rss_limit_mb: the loaders read whole files; -timeout: a single input taking 10 s is a hang.
# The same LeakSanitizer suppressions as the tests' ASan run (runtime and Foundation allocations).
LSAN_OPTIONS="suppressions=$PWD/Tests/lsan.supp:print_suppressions=0" "$bin/$product" -max_total_time=$((minutes * 60)) -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
  -artifact_prefix=".fuzz/crashes/$target/" ".fuzz/corpus/$target" "${seeds[@]}" 2>&1 \
  | grep -E "^(stat::|#[0-9]+ +DONE|==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written)" || true
crashes=$(find ".fuzz/crashes/$target" -type f | wc -l)
echo "fuzz $target: $minutes min, crash files: $crashes"
[ "$crashes" -eq 0 ]
