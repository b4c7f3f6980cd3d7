# `tokenmeter count` on more than 4 GiB (one call's limit) from a pipe, counted as a stream with
# bounded memory (run by ctest as count.cli_stream_over_4gib; ~1 minute). The text is one line
# repeated 68.2 million times (4.30 GB); its expected count is the line's count times that, after
# checking on 20,000 lines read whole that the count of repeated lines is that product.
#   cmake -DTM=<tokenmeter binary> -P cli_stream_large_test.cmake
include("${CMAKE_CURRENT_LIST_DIR}/cli_support.cmake")
set(line "The quick brown fox jumps over the lazy dog, 0123456789 times.")
find_program(YES yes)
find_program(HEAD head)
if(NOT YES OR NOT HEAD)
  message(STATUS "SKIPPED: yes and head are needed")
  return()
endif()
set(one_file "${CMAKE_CURRENT_BINARY_DIR}/cli_stream_one_line.txt")
file(WRITE "${one_file}" "${line}\n")
tm_cli_or_skip(per_line count --model gpt-4o -q "${one_file}")
string(STRIP "${per_line}" per_line)
execute_process(COMMAND ${YES} "${line}" COMMAND ${HEAD} -n 20000 COMMAND ${TM} count --model gpt-4o -q
                OUTPUT_VARIABLE small RESULT_VARIABLE rc)
string(STRIP "${small}" small)
math(EXPR want_small "${per_line} * 20000")
if(NOT small STREQUAL want_small)
  message(FATAL_ERROR "20,000 lines count ${small}, not ${per_line} x 20,000: the product rule does not hold for this text")
endif()
set(lines 68200000)
math(EXPR bytes "${lines} * 63")
math(EXPR want "${per_line} * ${lines}")
execute_process(COMMAND ${YES} "${line}" COMMAND ${HEAD} -n ${lines} COMMAND ${TM} count --model gpt-4o --json
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULTS_VARIABLE rcs)
list(GET rcs 2 rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "count of ${bytes} bytes from a pipe: exit ${rc}\n${err}")
endif()
if(NOT out MATCHES "\"bytes\":${bytes},[^}]*\"tokens\":${want}[,}]")
  message(FATAL_ERROR "count of ${bytes} bytes from a pipe: expected ${want} tokens, got\n${out}")
endif()
message(STATUS "ok   ${bytes} bytes from a pipe count ${want} tokens")
