//! Worker safety (방문인력 안전관리): sessions, check-ins, overdue, SOS, escalation. See issue 5.
