#include "common/namespec.h"
