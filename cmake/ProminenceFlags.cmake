# One INTERFACE target carries the language standard, warnings and sanitizer flags; every Prominence
# target links it instead of touching the global CMAKE_CXX_FLAGS.
add_library(prominence_flags INTERFACE)
target_compile_features(prominence_flags INTERFACE cxx_std_17)
set(CMAKE_CXX_EXTENSIONS OFF)
set(CMAKE_POSITION_INDEPENDENT_CODE ON)
target_compile_options(prominence_flags INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wpedantic -Wno-unused-parameter>)
target_compile_definitions(prominence_flags INTERFACE
  QT_NO_CAST_FROM_ASCII QT_NO_CAST_TO_ASCII QT_NO_URL_CAST_FROM_STRING)

if(PROMINENCE_SANITIZE)
  if(PROMINENCE_SANITIZE STREQUAL "address")
    set(_san address)
  elseif(PROMINENCE_SANITIZE STREQUAL "undefined")
    set(_san undefined)
  elseif(PROMINENCE_SANITIZE STREQUAL "thread")
    set(_san thread)
  else()
    message(FATAL_ERROR "PROMINENCE_SANITIZE must be address, undefined or thread, not '${PROMINENCE_SANITIZE}'")
  endif()
  target_compile_options(prominence_flags INTERFACE -fsanitize=${_san} -fno-omit-frame-pointer)
  target_link_options(prominence_flags INTERFACE -fsanitize=${_san})
endif()

# Torch's exported target adds its include dirs as normal ones; wrap them as SYSTEM so its warnings
# do not drown ours.
function(prominence_link_torch target visibility)
  target_link_libraries(${target} ${visibility} ${TORCH_LIBRARIES})
  target_include_directories(${target} SYSTEM ${visibility} ${TORCH_INCLUDE_DIRS})
endfunction()
