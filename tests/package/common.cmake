# Shared by the package.* scripts (cmake -P): argument checks and the version split.
# (Each script sets cmake_minimum_required itself: include() gets its own policy scope.)

# tm_require(VAR...): each -DVAR= must be given.
function(tm_require)
  get_filename_component(script "${CMAKE_SCRIPT_MODE_FILE}" NAME)
  foreach(v IN LISTS ARGN)
    if(NOT DEFINED ${v})
      message(FATAL_ERROR "${script}: -D${v}= is required")
    endif()
  endforeach()
endfunction()

# tm_version_parts(VERSION): sets major, minor and patch in the caller.
function(tm_version_parts version)
  string(REPLACE "." ";" parts "${version}")
  list(GET parts 0 major)
  list(GET parts 1 minor)
  list(GET parts 2 patch)
  set(major "${major}" PARENT_SCOPE)
  set(minor "${minor}" PARENT_SCOPE)
  set(patch "${patch}" PARENT_SCOPE)
endfunction()
