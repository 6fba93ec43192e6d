# QEMU's MPU verdicts against emsim's, through a real `emsim run` (issue 5), cmake -P:
#   cmake -DEMSIM=<emsim> -DCOMPARE=<emsim_mpu_qemu_compare> -DFLAVOUR=pmsav7|pmsav8
#         -DRESULTS=<QEMU results file> -DSCENARIO_DIR=<dir> -DOUT=<dir> -P run_mpu_scenario.cmake
# 1. `emsim_mpu_qemu_compare scenario` turns QEMU's results into SCENARIO_DIR/{platform.yaml,
#    scenario.yaml,expected_faults.jsonl}: the probe firmware's stores, loads and probes with
#    QEMU's register values as mpu_read expectations.
# 2. `emsim run SCENARIO_DIR/scenario.yaml --out OUT -q` must exit 0: every register load read
#    what QEMU read (the read-back after programming, CFSR and MMFAR in each fault handler).
# 3. `emsim_mpu_qemu_compare faults` must find QEMU's faults in OUT/faults.jsonl, no more and no
#    fewer, with equal verdict, MMFSR and MMFAR per access step.
# Steps 2 and 3 both run so a failure shows both views; the test fails if either does.
cmake_minimum_required(VERSION 3.16)

foreach(var EMSIM COMPARE FLAVOUR RESULTS SCENARIO_DIR OUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_mpu_scenario.cmake: -D${var}=... is required")
  endif()
endforeach()

# Failed expectations are listed one per line on stderr; a diverging model can fail thousands.
set(LINES_SHOWN 20)
function(first_lines text out_var)
  string(REPLACE "\n" ";" lines "${text}")
  list(LENGTH lines count)
  if(count GREATER ${LINES_SHOWN})
    list(SUBLIST lines 0 ${LINES_SHOWN} lines)
    list(APPEND lines "... (${count} lines)")
  endif()
  string(REPLACE ";" "\n" text "${lines}")
  set(${out_var} "${text}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE "${SCENARIO_DIR}" "${OUT}")
execute_process(COMMAND "${COMPARE}" scenario ${FLAVOUR} "${RESULTS}" "${SCENARIO_DIR}"
                RESULT_VARIABLE status OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)
message(STATUS "${stdout}${stderr}")
if(NOT status EQUAL 0)
  message(FATAL_ERROR "mpu scenario ${FLAVOUR}: emitting the scenario failed (status ${status})")
endif()

file(MAKE_DIRECTORY "${OUT}")
string(TIMESTAMP started "%s" UTC)
execute_process(COMMAND "${EMSIM}" run "${SCENARIO_DIR}/scenario.yaml" --out "${OUT}" -q
                RESULT_VARIABLE emsim_status OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)
string(TIMESTAMP finished "%s" UTC)
math(EXPR seconds "${finished} - ${started}")
first_lines("${stdout}${stderr}" shown)
message(STATUS "emsim run: exit status ${emsim_status} after ~${seconds} s\n${shown}")

execute_process(COMMAND "${COMPARE}" faults "${SCENARIO_DIR}/expected_faults.jsonl"
                        "${OUT}/faults.jsonl"
                RESULT_VARIABLE faults_status OUTPUT_VARIABLE stdout ERROR_VARIABLE stderr)
message(STATUS "${stdout}${stderr}")

set(failures "")
if(NOT emsim_status EQUAL 0)
  string(APPEND failures " emsim run exited ${emsim_status} (1: a register load differs from QEMU's;"
                         " 2: emsim rejected the generated scenario or platform);")
endif()
if(NOT faults_status EQUAL 0)
  string(APPEND failures " the faults differ from QEMU's;")
endif()
if(NOT failures STREQUAL "")
  message(FATAL_ERROR "mpu scenario ${FLAVOUR}: FAIL:${failures} outputs kept in ${OUT}")
endif()
message(STATUS "mpu scenario ${FLAVOUR}: PASS")
