# End-to-end checks of `tokenmeter count` and `encode` on several threads (run by ctest as
# count.cli_threads): with -j 3 and texts cut into 64-byte chunks, every file's count and every
# unit's ids are byte for byte what -j 1 prints; an error names the file (and line), not the
# batch's "text N"; a bad --chunk-bytes is a usage error. Skips when o200k_base is not installed.
#   cmake -DTM=<tokenmeter binary> -DTEXT=<tests/corpus/text> -DWORK=<scratch dir> -P cli_count_test.cmake

include("${CMAKE_CURRENT_LIST_DIR}/cli_support.cmake")
file(GLOB files "${TEXT}/*.txt")
list(SORT files)

function(run_tm out_var rc_var err_var)
  execute_process(COMMAND ${TM} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  set(${out_var} "${out}" PARENT_SCOPE)
  set(${rc_var} "${rc}" PARENT_SCOPE)
  set(${err_var} "${err}" PARENT_SCOPE)
endfunction()

tm_cli_or_skip(one count --model gpt-4o -j 1 ${files})
if(NOT one MATCHES "\t+exact\ttotal\n$")
  message(FATAL_ERROR "count -j 1: no total line in\n${one}")
endif()

# Same output, whatever the threads and chunks (count, count --json, encode by file and by line).
foreach(cmd "count;--model;gpt-4o" "count;--model;gpt-4o;--json" "encode;--model;gpt-4o;--jsonl"
            "encode;--model;gpt-4o;--jsonl;--unit;line" "count;--model;deepseek-v3")
  run_tm(serial rc1 err1 ${cmd} -j 1 ${files})
  if(rc1 EQUAL 3 AND err1 MATCHES "vocab")
    message(STATUS "SKIPPED: ${cmd}: a vocabulary is not installed (${err1})")
    continue()
  endif()
  run_tm(threaded rc2 err2 ${cmd} -j 3 --chunk-bytes 64 ${files})
  if(NOT rc1 EQUAL 0 OR NOT rc2 EQUAL 0 OR serial STREQUAL "")
    message(SEND_ERROR "${cmd}: exit ${rc1} / ${rc2}\n${err1}\n${err2}")
  elseif(NOT serial STREQUAL threaded)
    string(LENGTH "${serial}" n1)
    string(LENGTH "${threaded}" n2)
    message(SEND_ERROR "${cmd}: -j 3 --chunk-bytes 64 printed ${n2} bytes that differ from -j 1's ${n1}")
  else()
    message(STATUS "ok   ${cmd}: -j 1 and -j 3 --chunk-bytes 64 agree")
  endif()
endforeach()

# An error in the second of three files names that file (and the line for --unit line).
string(ASCII 255 ff)
file(MAKE_DIRECTORY "${WORK}")
file(WRITE "${WORK}/good.txt" "fine text\n")
file(WRITE "${WORK}/broken.txt" "ok\nbad ${ff}\n")
foreach(j 1 2)
  run_tm(out rc err count --model gpt-4o -j ${j} "${WORK}/good.txt" "${WORK}/broken.txt" "${WORK}/good.txt")
  if(NOT rc EQUAL 3 OR NOT out STREQUAL "" OR NOT err MATCHES "invalid_utf8: broken\\.txt: " OR err MATCHES "text 1")
    message(SEND_ERROR "count -j ${j} with an invalid file: exit ${rc}, output '${out}', stderr '${err}'")
  endif()
  run_tm(out rc err encode --model gpt-4o -j ${j} --unit line "${WORK}/good.txt" "${WORK}/broken.txt")
  if(NOT rc EQUAL 3 OR NOT err MATCHES "invalid_utf8: broken\\.txt line 2: ")
    message(SEND_ERROR "encode --unit line -j ${j} with an invalid line: exit ${rc}, stderr '${err}'")
  endif()
endforeach()
message(STATUS "ok   errors name the file and line")

foreach(bad 0 -1 x)
  run_tm(out rc err count --model gpt-4o --chunk-bytes ${bad} "${WORK}/good.txt")
  if(NOT rc EQUAL 2 OR NOT out STREQUAL "")
    message(SEND_ERROR "count --chunk-bytes ${bad}: exit ${rc}, output '${out}'; expected a usage error")
  endif()
endforeach()
message(STATUS "ok   --chunk-bytes 0, -1, x are usage errors")
