#include "common/http.h"
