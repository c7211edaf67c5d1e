#include "common/xmlrpc.h"
