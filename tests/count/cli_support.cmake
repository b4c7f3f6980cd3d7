# Shared by the CLI scripts of tests/count: tm_cli_or_skip(<out_var> <tokenmeter args>...) runs the
# CLI (${TM}) and stores its stdout; a missing vocabulary (exit 3, naming it) skips the whole
# script with a visible message, any other failure stops it.
macro(tm_cli_or_skip out)
  execute_process(COMMAND ${TM} ${ARGN} RESULT_VARIABLE _tm_rc OUTPUT_VARIABLE ${out} ERROR_VARIABLE _tm_err)
  if(_tm_rc EQUAL 3 AND _tm_err MATCHES "vocab")
    message(STATUS "SKIPPED: a vocabulary is not installed (${_tm_err})")
    return()
  endif()
  if(NOT _tm_rc EQUAL 0)
    message(FATAL_ERROR "tokenmeter ${ARGN}: exit ${_tm_rc}\n${${out}}\n${_tm_err}")
  endif()
endmacro()
