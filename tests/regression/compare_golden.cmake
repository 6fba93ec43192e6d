# One golden regression case (cmake -P, so the suite needs nothing beyond CMake):
#   cmake -DEMSIM=<emsim> -DROOT=<source root> -DNAME=<name> -DCASES=<dir of cases> -DOUT=<dir>
#         -P compare_golden.cmake
# Runs `emsim run <case>/scenario.yaml --out OUT [args]` from ROOT with the scenario path relative
# to ROOT (as scripts/bless does, so any path echoed into an output matches), checks the exit
# status against expected/exit_status (0 when absent), then compares every other file in
# expected/ byte for byte with OUT, one file at a time, and names the first differing line.
# An output file without a golden fails too: a new output must be blessed, not silently ignored.
# <case>/args, if present, holds extra arguments one per line; blank lines and lines starting
# with # are skipped (scripts/bless reads it the same way).
# A case without its own scenario.yaml runs the scenario its file `scenario` names (one line, a
# path relative to the case folder), so one scenario can be a golden under several `--set`
# variants (e.g. iot_duty_cycle_{none,pack,pack_retention}, one per power policy).
cmake_minimum_required(VERSION 3.16)

foreach(var EMSIM ROOT NAME CASES OUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "compare_golden.cmake: -D${var}=... is required")
  endif()
endforeach()

set(case_dir "${CASES}/${NAME}")
set(expected_dir "${case_dir}/expected")
set(scenario_file "${case_dir}/scenario.yaml")
if(NOT EXISTS "${scenario_file}" AND EXISTS "${case_dir}/scenario")
  file(STRINGS "${case_dir}/scenario" pointer LIMIT_COUNT 1)
  string(STRIP "${pointer}" pointer)
  get_filename_component(scenario_file "${case_dir}/${pointer}" ABSOLUTE)
endif()
file(RELATIVE_PATH scenario "${ROOT}" "${scenario_file}")

# FATAL_ERROR re-wraps its text; the details go out verbatim (file names, whole lines) first.
# The parts are read by index: a list expansion would split them at any ';' in the output.
function(fail)
  set(details "")
  math(EXPR last "${ARGC} - 1")
  foreach(i RANGE ${last})
    string(APPEND details "${ARGV${i}}")
  endforeach()
  message(NOTICE "${details}")
  message(FATAL_ERROR "regression.${NAME} failed")
endfunction()

set(args "")
if(EXISTS "${case_dir}/args")
  file(STRINGS "${case_dir}/args" lines)
  foreach(line IN LISTS lines)
    string(STRIP "${line}" line)
    if(NOT line STREQUAL "" AND NOT line MATCHES "^#")
      list(APPEND args "${line}")
    endif()
  endforeach()
endif()

set(expected_status 0)
if(EXISTS "${expected_dir}/exit_status")
  file(READ "${expected_dir}/exit_status" expected_status)
  string(STRIP "${expected_status}" expected_status)
endif()

# A stale file from an earlier run must not pass for a missing output.
file(REMOVE_RECURSE "${OUT}")
file(MAKE_DIRECTORY "${OUT}")
execute_process(COMMAND "${EMSIM}" run "${scenario}" --out "${OUT}" ${args}
                WORKING_DIRECTORY "${ROOT}" RESULT_VARIABLE status OUTPUT_VARIABLE stdout
                ERROR_VARIABLE stderr)
string(REPLACE ";" " " shown_args "${args}")
set(command "emsim run ${scenario} --out ${OUT} ${shown_args}")
if(NOT "${status}" STREQUAL "${expected_status}")
  fail("${NAME}: exit status ${status}, expected ${expected_status}\n"
       "command: ${command}\n--- stdout\n${stdout}--- stderr\n${stderr}")
endif()

# Normalise what may legitimately differ between runs: SystemC writes the wall-clock date into
# the $date section of a VCD header.
function(read_normalised path out_var)
  file(READ "${path}" text)
  if(path MATCHES "\\.vcd$")
    string(REGEX REPLACE "\\$date[^$]*\\$end" "$date (ignored) $end" text "${text}")
  endif()
  set(${out_var} "${text}" PARENT_SCOPE)
endfunction()

# The line holding byte offset `at` (0-based) of text, without its newline.
function(line_at text at out_var)
  string(SUBSTRING "${text}" 0 ${at} before)
  string(FIND "${before}" "\n" start REVERSE)
  math(EXPR start "${start} + 1")
  string(SUBSTRING "${text}" ${start} -1 rest)
  string(FIND "${rest}" "\n" length)
  string(SUBSTRING "${rest}" 0 ${length} line)
  set(${out_var} "${line}" PARENT_SCOPE)
endfunction()

# Where two different texts part: the common prefix length by bisection (O(n log n), where a
# line-by-line walk in CMake would copy the rest of a large trace for every line), then the
# 1-based line number of that offset and both lines.
function(describe_difference golden actual out_var)
  string(LENGTH "${golden}" golden_length)
  string(LENGTH "${actual}" actual_length)
  set(lo 0) # golden and actual agree on [0, lo)
  set(hi ${golden_length})
  if(actual_length LESS hi)
    set(hi ${actual_length})
  endif()
  while(lo LESS hi)
    math(EXPR mid "(${lo} + ${hi} + 1) / 2")
    string(SUBSTRING "${golden}" 0 ${mid} a)
    string(SUBSTRING "${actual}" 0 ${mid} b)
    if("${a}" STREQUAL "${b}")
      set(lo ${mid})
    else()
      math(EXPR hi "${mid} - 1")
    endif()
  endwhile()
  string(SUBSTRING "${golden}" 0 ${lo} common)
  string(REGEX MATCHALL "\n" newlines "${common}")
  list(LENGTH newlines line_number)
  math(EXPR line_number "${line_number} + 1")
  if(lo EQUAL golden_length)
    set(golden_line "<end of file>")
  else()
    line_at("${golden}" ${lo} golden_line)
  endif()
  if(lo EQUAL actual_length)
    set(actual_line "<end of file>")
  else()
    line_at("${actual}" ${lo} actual_line)
  endif()
  set(text "first difference at line ${line_number}\n")
  string(APPEND text "  expected: ${golden_line}\n  actual:   ${actual_line}")
  set(${out_var} "${text}" PARENT_SCOPE)
endfunction()

file(GLOB_RECURSE golden_files RELATIVE "${expected_dir}" "${expected_dir}/*")
list(REMOVE_ITEM golden_files exit_status)
list(SORT golden_files)
file(GLOB_RECURSE output_files RELATIVE "${OUT}" "${OUT}/*")
list(SORT output_files)

set(failures "")
foreach(name IN LISTS golden_files)
  if(NOT EXISTS "${OUT}/${name}")
    string(APPEND failures "${name}: not written\n")
    continue()
  endif()
  read_normalised("${expected_dir}/${name}" golden)
  read_normalised("${OUT}/${name}" actual)
  if(NOT "${golden}" STREQUAL "${actual}")
    describe_difference("${golden}" "${actual}" where)
    string(APPEND failures "${name}: ${where}\n")
  endif()
endforeach()
foreach(name IN LISTS output_files)
  if(NOT name IN_LIST golden_files)
    string(APPEND failures "${name}: written but has no golden in ${expected_dir}\n")
  endif()
endforeach()

if(NOT failures STREQUAL "")
  fail("${NAME}: output differs from the goldens\n${failures}"
       "outputs kept in ${OUT}\ncommand: ${command}\n"
       "If the change is intended: scripts/bless ${NAME}, and say why in the commit.")
endif()
list(LENGTH golden_files count)
message(STATUS "${NAME}: exit status ${status} and ${count} files match the goldens")
