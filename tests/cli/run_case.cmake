# Runs emsim with ARGS (words separated by |), checks its exit status and that its output matches REGEX.
string(REPLACE "|" ";" args "${ARGS}")
execute_process(COMMAND ${EMSIM} ${args} RESULT_VARIABLE status OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
set(all "${out}${err}")
if(NOT "${status}" STREQUAL "${STATUS}")
  message(FATAL_ERROR "exit status ${status}, expected ${STATUS}\n${all}")
endif()
if(NOT "${all}" MATCHES "${REGEX}")
  message(FATAL_ERROR "output does not match '${REGEX}':\n${all}")
endif()
