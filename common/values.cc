#include "common/values.h"
