# End-to-end checks of `tokenmeter bench` (run by ctest as count.cli_bench_command): its JSON has
# the documented fields, its token total is what `tokenmeter count` says for the same files (for
# --op count, --op encode and --op stream in 7-byte chunks), and bad options fail. Skips when o200k_base is not installed.
#   cmake -DTM=<tokenmeter binary> -DTEXT=<tests/corpus/text> -P cli_bench_test.cmake

include("${CMAKE_CURRENT_LIST_DIR}/cli_support.cmake")
set(files "${TEXT}/prose_japanese.txt" "${TEXT}/code_go.txt")
tm_cli_or_skip(expected count -q --model gpt-4o ${files})
string(STRIP "${expected}" expected)
if(NOT expected MATCHES "^[0-9]+$")
  message(FATAL_ERROR "tokenmeter count: output '${expected}' is not a count")
endif()
set(bytes 0)
foreach(f IN LISTS files)
  file(SIZE "${f}" n)
  math(EXPR bytes "${bytes} + ${n}")
endforeach()

function(bench op min_seconds)
  execute_process(COMMAND ${TM} bench --model gpt-4o --op ${op} --min-seconds ${min_seconds} ${ARGN} ${files}
                  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(SEND_ERROR "bench --op ${op}: exit ${rc}\n${out}\n${err}")
    return()
  endif()
  foreach(field model family op bytes tokens passes seconds mb_per_s tokens_per_s load_ms first_pass_ms threads vocab_from)
    string(JSON j_${field} ERROR_VARIABLE missing GET "${out}" ${field})
    if(missing)
      message(SEND_ERROR "bench --op ${op}: no field ${field} in ${out}")
      return()
    endif()
  endforeach()
  string(JOIN " " extra ${ARGN})
  set(name "bench --op ${op} --min-seconds ${min_seconds} ${extra}")
  if(NOT j_model STREQUAL "gpt-4o" OR NOT j_family STREQUAL "o200k_base" OR NOT j_op STREQUAL op OR NOT j_threads EQUAL 1)
    message(SEND_ERROR "${name}: model/family/op/threads wrong in ${out}")
  endif()
  if(NOT j_bytes EQUAL bytes_expected OR NOT j_tokens EQUAL tokens_expected)
    message(SEND_ERROR "${name}: ${j_bytes} bytes, ${j_tokens} tokens; expected ${bytes_expected} bytes, ${tokens_expected} tokens")
  endif()
  # At least one pass, repeated until min_seconds; the first pass is part of the time.
  if(j_passes LESS 1 OR j_seconds LESS min_seconds OR NOT j_mb_per_s GREATER 0 OR NOT j_tokens_per_s GREATER 0 OR
     j_load_ms LESS 0 OR NOT j_first_pass_ms GREATER 0)
    message(SEND_ERROR "${name}: implausible timing in ${out}")
  endif()
  # One pass: first_pass_ms is that pass, so it is `seconds` in milliseconds (more than seconds).
  if(j_passes EQUAL 1 AND NOT j_first_pass_ms GREATER j_seconds)
    message(SEND_ERROR "${name}: first_pass_ms ${j_first_pass_ms} is not the one pass of ${j_seconds} s in ms")
  endif()
  message(STATUS "ok   ${name}: ${j_passes} passes, first ${j_first_pass_ms} ms")
endfunction()

set(bytes_expected ${bytes})
set(tokens_expected ${expected})
bench(count 0)
bench(encode 0)
bench(count 0.2)
bench(stream 0 --chunk-bytes 7)

# A bad option, an unknown model, no file: errors, not a number.
foreach(bad "--model;gpt-4o;--op;decode" "--model;no-such-model" "--model;gpt-4o;--min-seconds;x"
            "--model;gpt-4o;--op;stream;--chunk-bytes;0" "--model;gpt-4o;--op;stream;--threads;2")
  execute_process(COMMAND ${TM} bench ${bad} ${files} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_QUIET)
  if(rc EQUAL 0 OR NOT out STREQUAL "")
    message(SEND_ERROR "bench ${bad}: exit ${rc}, output '${out}'; expected an error and no output")
  else()
    message(STATUS "ok   bench ${bad}: exit ${rc}")
  endif()
endforeach()
execute_process(COMMAND ${TM} bench --model gpt-4o RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
if(rc EQUAL 0)
  message(SEND_ERROR "bench without files: exit 0")
endif()
