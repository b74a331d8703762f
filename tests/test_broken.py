"""Every broken scenario fails ``opsim check`` cleanly: exit status 2, one
``error: FILE: PATH: MESSAGE`` line per problem, never a traceback."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.cli import main

ROOT = Path(__file__).resolve().parents[1]
BROKEN = ROOT / "tests" / "broken"

#: (file in tests/broken, regex the stderr must match: file, field path, problem).
CASES: list[tuple[str, str]] = [
    ("malformed_indent.yaml", r"malformed_indent\.yaml: malformed YAML: line 5, column 8: mapping values are not allowed"),
    ("malformed_bracket.yaml", r"malformed_bracket\.yaml: malformed YAML: line 6, column \d+: (did not find )?expected ',' or '\]'"),
    ("headcount_string.yaml", r"headcount_string\.yaml: org\.roles\.designer\.headcount: Input should be a valid integer or 'per_project' \(got 'five'\)"),
    ("headcount_negative.yaml", r"headcount_negative\.yaml: org\.roles\.designer\.headcount: Input should be greater than or equal to 0 or 'per_project' \(got -1\)"),
    ("mistyped_key.yaml", r"mistyped_key\.yaml: org\.roles\.designer\.headcout: unknown field 'headcout'; did you mean 'headcount'\?"),
    ("mistyped_top_key.yaml", r"mistyped_top_key\.yaml: replicatons: unknown field 'replicatons'; did you mean 'replications'\?"),
    ("step_unknown_role.yaml", r"step_unknown_role\.yaml: workflows\.photo_shoot\.steps\[1\]\.role: unknown role 'desiger'; did you mean 'designer'\?"),
    ("lane_unknown_role.yaml", r"lane_unknown_role\.yaml: workflows\.photo_shoot\.lanes\[1\]: unknown role or party 'retoucher'; expected one of: .*photographer"),
    ("step_role_not_in_lanes.yaml", r"step_role_not_in_lanes\.yaml: workflows\.photo_shoot\.steps\[1\]\.role: role 'designer' is not in the workflow's lanes; add it to 'lanes'"),
    ("reporting_cycle.yaml", r"reporting_cycle\.yaml: org\.roles\.ops_director\.reports_to: reporting lines form a cycle \(ops_director -> designer -> design_supervisor -> ops_director\)"),
    ("second_root.yaml", r"second_root\.yaml: org\.roles\.warehouse\.reports_to: missing: .*one tree rooted at general_manager"),
    ("extends_missing.yaml", r"extends_missing\.yaml: extends: file not found: '\.\./\.\./scenarios/no_such_scenario\.yaml' \(looked for scenarios/no_such_scenario\.yaml"),
    ("extends_not_string.yaml", r"extends_not_string\.yaml: extends: must be a file name \(a string\)"),
    ("extends_cycle_a.yaml", r"extends_cycle_b\.yaml: extends: scenarios extend each other in a cycle \(tests/broken/extends_cycle_a\.yaml -> tests/broken/extends_cycle_b\.yaml -> tests/broken/extends_cycle_a\.yaml\)"),
    ("extends_self.yaml", r"extends_self\.yaml: extends: scenarios extend each other in a cycle \(tests/broken/extends_self\.yaml -> tests/broken/extends_self\.yaml\)"),
    ("empty.yaml", r"empty\.yaml: file is empty; expected a mapping of settings"),
    ("top_list.yaml", r"top_list\.yaml: top level is a list; expected a mapping"),
    ("not_utf8_gbk.yaml", r"not_utf8_gbk\.yaml: not UTF-8 \(line 1, byte 2\); save the file as UTF-8"),
    ("alias_bomb.yaml", r"alias_bomb\.yaml: aliases expand to more than \d+ values; refusing a possible alias bomb"),
    ("alias_recursive.yaml", r"alias_recursive\.yaml: an alias refers to a value that contains it"),
    ("nested_too_deep.yaml", r"nested_too_deep\.yaml: malformed YAML: .*(nested too deeply|exceeded maximum nesting depth)"),
    ("unknown_dist.yaml", r"unknown_dist\.yaml: demand\.aftersales_lag: unknown dist 'weibull'; expected one of: fixed, exponential, uniform, triangular, lognormal, gamma, empirical"),
    ("duplicate_key.yaml", r"duplicate_key\.yaml: key 'designer' is given twice in one mapping \(lines 5 and 6\); keep one"),
    ("number_infinite.yaml", r"number_infinite\.yaml: demand\.orders_per_day: Input should be a finite number \(got inf\)"),
    ("id_lookalike.yaml", r"id_lookalike\.yaml: org\.roles\.d\u0435signer.*: id 'd\u0435signer': '\u0435' is CYRILLIC SMALL LETTER IE, not an ASCII letter; ids are ASCII"),
    ("unit_unknown.yaml", r"unit_unknown\.yaml: demand\.aftersales_lag\.unit: Input should be 'minutes', 'hours' or 'days' \(got 'weeks'\)"),
    ("triangular_low_gt_high.yaml", r"triangular_low_gt_high\.yaml: demand\.aftersales_lag: need low <= mode <= high and low < high, got low=7\.0, mode=1\.0, high=0\.0"),
    ("lognormal_sd_zero.yaml", r"lognormal_sd_zero\.yaml: demand\.aftersales_lag\.sd: Input should be greater than 0 \(got 0\)"),
    ("empirical_weights_mismatch.yaml", r"empirical_weights_mismatch\.yaml: demand\.aftersales_lag: weights has 2 entries but values has 3; give one weight per value"),
    ("probability_above_one.yaml", r"probability_above_one\.yaml: workflows\.plan_review\.steps\[1\]\.reject_probability: Input should be less than or equal to 1 \(got 1\.5\)"),
    ("branch_not_sum_one.yaml", r"branch_not_sum_one\.yaml: workflows\.plan_review\.steps\[0\]: case probabilities sum to 0\.8; they must sum to 1"),
    ("case_mix_not_one.yaml", r"case_mix_not_one\.yaml: aftersales: case_mix shares sum to 0\.9; they must sum to 1"),
    ("table_incomplete.yaml", r"table_incomplete\.yaml: aftersales\.decision_table: incomplete: no row matches kind=return, fault=none, resalable=true; add a row"),
    ("table_ambiguous.yaml", r"table_ambiguous\.yaml: aftersales\.decision_table\[5\]: ambiguous: kind=return, fault=shop, resalable=false matches 2 rows \(decision_table\[2\], decision_table\[5\]\)"),
    ("starts_unknown_workflow.yaml", r"starts_unknown_workflow\.yaml: workflows\.plan_review\.steps\[1\]\.starts: unknown workflow 'product_tempate'; did you mean 'product_template'\?"),
    ("starts_cycle.yaml", r"starts_cycle\.yaml: workflows\.plan_b\.steps\[1\]\.starts: workflows start each other in a cycle \(plan_a -> plan_b -> plan_a\); a chain of starts must end"),
    ("rework_later.yaml", r"rework_later\.yaml: workflows\.plan_review\.steps\[1\]\.rework_to: rework_to 'publish' must name this step or an earlier step"),
    ("max_rounds_zero.yaml", r"max_rounds_zero\.yaml: workflows\.plan_review\.steps\[1\]\.max_rounds: Input should be greater than or equal to 1 \(got 0\)"),
    ("invalid_date.yaml", r"invalid_date\.yaml: horizon\.start: Input should be a valid date or datetime, day value is outside expected range \(got '2026-02-30'\)"),
    ("horizon_reversed.yaml", r"horizon_reversed\.yaml: horizon: end 2026-10-01 is before start 2026-12-31"),
    ("window_unknown_activity.yaml", r"window_unknown_activity\.yaml: service_windows\.ship_within_deadline_72h\.end\.activity: unknown activity 'pick_and_ship'; did you mean 'pick_pack_ship'\?"),
    ("target_unknown_window.yaml", r"target_unknown_window\.yaml: targets\.reply_within_1h: unknown service window 'reply_within_1h'"),
    ("target_above_one.yaml", r"target_above_one\.yaml: targets\.ship_within_deadline_72h: Input should be less than or equal to 1 \(got 95\)"),
    ("shift_start_after_end.yaml", r"shift_start_after_end\.yaml: calendars\.shifts\.office: start 18:00 must be before end 09:00"),
    ("override_unknown_role.yaml", r"override_unknown_role\.yaml: calendars\.overrides\[0\]\.role: unknown role 'temp_agent'"),
    ("year_not_covered.yaml", r"year_not_covered\.yaml: horizon\.start: the horizon reaches 2031, which chinese-calendar \S+ does not cover; .*calendars\.holidays\.years\.2031"),
    ("meeting_too_many.yaml", r"meeting_too_many\.yaml: workflows\.brainstorm\.steps\[0\]\.roles\.planner: 3 attendees but role 'planner' has only 1 member;"),
    ("contest_too_many.yaml", r"contest_too_many\.yaml: workflows\.banner_pk\.steps\[0\]\.entrants: 8 entrants but role 'designer' has only 5 members"),
    ("wait_unknown_party.yaml", r"wait_unknown_party\.yaml: workflows\.supplier_delivery\.steps\[0\]\.party: unknown party 'supplier'; expected one of: courier, customer, manufacturer, platform"),
    ("unknown_step_kind.yaml", r"unknown_step_kind\.yaml: workflows\.photo_shoot\.steps\[0\]: unknown kind 'task'; expected one of: work, approval"),
    ("standalone_missing.yaml", r"standalone_missing\.yaml: org: required field is missing"),
    ("standalone_unknown_department.yaml", r"standalone_unknown_department\.yaml: org\.roles\.clerk\.department: unknown department 'admin'; expected one of: ops"),
    ("duplicate_step_id.yaml", r"duplicate_step_id\.yaml: workflows\.photo_shoot\.steps\[1\]\.id: duplicate step id 'shoot'"),
    ("headcount_zero_step.yaml", r"headcount_zero_step\.yaml: workflows\.photo_shoot\.steps\[0\]\.role: role 'photographer' has headcount 0"),
    ("roster_more_than_headcount.yaml", r"roster_more_than_headcount\.yaml: org\.roles\.customer_service\.headcount: headcount 3 is less than the 4 members"),
    ("inherited_bad_mid.yaml", r"inherited_bad_mid\.yaml: org\.roles\.designer\.reports_to: unknown role 'art_director'"),
    ("inherited_bad_child.yaml", r"tests/broken/inherited_bad_mid\.yaml: org\.roles\.designer\.reports_to: unknown role 'art_director'"),
    ("replaced_list_missing_field.yaml", r"replaced_list_missing_field\.yaml: workflows\.presales_order\.steps\[2\]\.role: required field is missing"),
    # extends: confined to the scenario's folder, the current one and scenarios/; never opened if refused
    ("extends_absolute.yaml", r"extends_absolute\.yaml: extends: '/etc/passwd' is an absolute path; give a path relative to the folder of"),
    ("extends_home.yaml", r"extends_home\.yaml: extends: '~/\.ssh/config\.yaml' is an absolute path"),
    ("extends_escape.yaml", r"extends_escape\.yaml: extends: '\.\./\.\./\.\./secrets\.yaml' lies outside the folders a scenario may extend from .*--allow-outside"),
    ("extends_not_yaml.yaml", r"extends_not_yaml\.yaml: extends: '\.\./\.\./README\.md' is not a \.yaml file"),
    ("extends_dev_zero.yaml", r"extends_dev_zero\.yaml: extends: 'links/zero\.yaml' lies outside the folders"),
    ("extends_dev_zero_allowed.yaml", r"extends_dev_zero_allowed\.yaml: extends: 'links/zero\.yaml' is a character device, not a regular file"),
    ("extends_symlink_loop.yaml", r"extends_symlink_loop\.yaml: extends: 'links/loop_a\.yaml' cannot be resolved: a loop of symbolic links"),
    ("extends_link_outside.yaml", r"extends_link_outside\.yaml: extends: 'links/passwd\.yaml' lies outside the folders"),
    ("extends_link_outside_allowed.yaml", r"^error: /etc/passwd: top level is a str; expected a mapping of settings\n$"),
    ("extends_directory.yaml", r"extends_directory\.yaml: extends: 'links/folder\.yaml' is a directory, not a regular file"),
    ("extends_nul.yaml", r"extends_nul\.yaml: extends: 'baseline\\x00\.yaml' holds characters a file name cannot"),
    ("extends_control_chars.yaml", r"extends_control_chars\.yaml: extends: '\\x1b\[31mred\\x1b\[0m\.yaml' holds characters"),
    ("extends_empty_string.yaml", r"extends_empty_string\.yaml: extends: must be a file name \(a string\), got ''"),
    ("extends_mapping.yaml", r"extends_mapping\.yaml: extends: must be a file name \(a string\), got \{'file': '\.\./\.\./scenarios/ba[^;]{0,20}\.\.\.; e\.g\."),
    ("extends_long_name.yaml", r"extends_long_name\.yaml: extends: 'a{50,57}\.\.\. cannot be read: File name too long"),
    # numbers: strict types (no yes/on, no '5', no 5.5 for a count) and a finite range for each
    ("headcount_huge.yaml", r"headcount_huge\.yaml: org\.roles\.designer\.headcount: Input should be less than or equal to 1000 or 'per_project' \(got 100000000000000000000\)"),
    ("headcount_yes.yaml", r"headcount_yes\.yaml: org\.roles\.designer\.headcount: Input should be a valid integer or 'per_project' \(got True: in YAML yes, no, on, off, true and false are booleans, not numbers\)"),
    ("headcount_fraction.yaml", r"headcount_fraction\.yaml: org\.roles\.designer\.headcount: Input should be a valid integer or 'per_project' \(got 5\.5\)"),
    ("headcount_quoted.yaml", r"headcount_quoted\.yaml: org\.roles\.designer\.headcount: Input should be a valid integer or 'per_project' \(got '5'\)"),
    ("concurrency_nothing_shared.yaml", r"concurrency_nothing_shared\.yaml: org\.roles\.warehouse\.concurrency: concurrency 5, but no step of role 'warehouse' is shared: every task takes the whole member, so this concurrency could never apply"),
    ("shared_disagrees.yaml", r"shared_disagrees\.yaml: workflows\.presales_order\.steps\[0\]\.actions\.chat_only\[0\]\.shared: step 'chat' is not shared here but at workflows\.presales_order\.steps\[0\]\.actions\.chat_order\[0\]"),
    ("interleave_nothing_shared.yaml", r"interleave_nothing_shared\.yaml: org\.roles\.warehouse\.interleave_up_to_minutes: interleave_up_to_minutes 3, but no step of role 'warehouse' is shared: no member ever holds conversations to do brief work between, so it could never apply"),
    ("interleave_too_long.yaml", r"interleave_too_long\.yaml: org\.roles\.customer_service\.interleave_up_to_minutes: Input should be less than or equal to 60"),
    ("appointment_off_duty.yaml", r"appointment_off_duty\.yaml: duties\.customer_service_daily_registers\.at: an appointment at 03:00, but no shift of role 'customer_service' covers it \(cs_early 08:00-16:00, cs_late 16:00-24:00\): nobody is on duty then, so it would never happen; set 'at' within a shift"),
    ("appointment_together.yaml", r"appointment_together\.yaml: duties\.sales_weekly_meeting\.appointment: a duty held together \(with attendees or 'who: together'\) is an appointment already; 'appointment' is for a duty done by 'each' or 'one'"),
    ("claim_after_nothing_shared.yaml", r"claim_after_nothing_shared\.yaml: org\.roles\.warehouse\.claim_after_hours: claim_after_hours 0\.5, but no step of role 'warehouse' is shared: no member ever holds conversations to be claimed from, so it could never apply"),
    ("slowdown_never.yaml", r"slowdown_never\.yaml: org\.roles\.customer_service\.slowdown: slowdown 0\.05, but role 'customer_service' never holds more than its concurrency 5 \(no calendars\.concurrency raises it\), so it could never apply"),
    ("concurrency_zero.yaml", r"concurrency_zero\.yaml: org\.roles\.customer_service\.concurrency: Input should be greater than or equal to 1 \(got 0\)"),
    ("concurrency_huge.yaml", r"concurrency_huge\.yaml: org\.roles\.customer_service\.concurrency: Input should be less than or equal to 50 \(got 500\)"),
    ("concurrency_on.yaml", r"concurrency_on\.yaml: org\.roles\.customer_service\.concurrency: Input should be a valid integer \(got True: in YAML"),
    ("projects_huge.yaml", r"projects_huge\.yaml: org\.projects: Input should be less than or equal to 1000 \(got 1000000\)"),
    ("priority_huge.yaml", r"priority_huge\.yaml: workflows\.photo_shoot\.priority: Input should be less than or equal to 100 \(got 1000000000\)"),
    ("replications_on.yaml", r"replications_on\.yaml: replications: Input should be a valid integer \(got True: in YAML"),
    ("replications_huge.yaml", r"replications_huge\.yaml: replications: Input should be less than or equal to 10000"),
    ("replications_zero.yaml", r"replications_zero\.yaml: replications: Input should be greater than or equal to 1 \(got 0\)"),
    ("seed_negative.yaml", r"seed_negative\.yaml: seed: Input should be greater than or equal to 0 \(got -1\)"),
    ("seed_huge.yaml", r"seed_huge\.yaml: seed: Input should be less than or equal to 4294967295 \(got 100000000000000000000\)"),
    ("seed_text.yaml", r"seed_text\.yaml: seed: Input should be a valid integer \(got 'lucky'\)"),
    ("seed_fraction.yaml", r"seed_fraction\.yaml: seed: Input should be a valid integer \(got 1\.5\)"),
    ("horizon_centuries.yaml", r"horizon_centuries\.yaml: horizon: 2026-01-01\.\.2226-01-01 is \d+ days; a horizon is at most 3653 days \(ten years\)"),
    ("orders_huge.yaml", r"orders_huge\.yaml: demand\.orders_per_day: Input should be less than or equal to 1000000 \(got 1000000000000\.0\)"),
    ("orders_yes.yaml", r"orders_yes\.yaml: demand\.orders_per_day: Input should be a valid number \(got True: in YAML"),
    ("orders_negative.yaml", r"orders_negative\.yaml: demand\.orders_per_day: Input should be greater than or equal to 0 \(got -5\)"),
    ("number_nan.yaml", r"number_nan\.yaml: demand\.orders_per_day: Input should be a finite number"),
    ("number_overflow.yaml", r"number_overflow\.yaml: demand\.orders_per_day: Input should be a finite number \(got inf\)"),
    ("multiplier_huge.yaml", r"multiplier_huge\.yaml: demand\.campaigns\.double11_peak\.order_multiplier: Input should be less than or equal to 1000 \(got 1000000\)"),
    ("chat_multiplier_text.yaml", r"chat_multiplier_text\.yaml: demand\.campaigns\.double11_peak\.chat_multiplier: Input should be a valid number \(got 'five'\)"),
    ("weekday_profile_negative.yaml", r"weekday_profile_negative\.yaml: demand\.weekday_profile\[3\]: Input should be greater than or equal to 0 \(got -1\)"),
    ("weekday_profile_short.yaml", r"weekday_profile_short\.yaml: demand\.weekday_profile\[6\]: required field is missing"),
    ("hour_profile_huge.yaml", r"hour_profile_huge\.yaml: demand\.hour_profile\[23\]: Input should be less than or equal to 1000000"),
    ("surge_days_huge.yaml", r"surge_days_huge\.yaml: demand\.chat_surge_before_days: Input should be less than or equal to 366"),
    ("chat_conversion_zero.yaml", r"chat_conversion_zero\.yaml: demand\.chat_conversion: Input should be greater than 0 \(got 0\)"),
    ("duration_huge.yaml", r"duration_huge\.yaml: demand\.aftersales_lag\.mean: Input should be less than or equal to 100000"),
    ("duration_negative.yaml", r"duration_negative\.yaml: demand\.aftersales_lag\.value: Input should be greater than or equal to 0 \(got -2\)"),
    ("duration_unit_number.yaml", r"duration_unit_number\.yaml: demand\.aftersales_lag\.unit: Input should be 'minutes', 'hours' or 'days' \(got 24\)"),
    ("empirical_weight_negative.yaml", r"empirical_weight_negative\.yaml: demand\.aftersales_lag\.weights\[1\]: Input should be greater than or equal to 0 \(got -1\)"),
    ("gamma_shape_yes.yaml", r"gamma_shape_yes\.yaml: demand\.aftersales_lag\.shape: Input should be a valid number \(got True"),
    ("window_limit_huge.yaml", r"window_limit_huge\.yaml: service_windows\.ship_within_deadline_72h\.limit: Input should be less than or equal to 8760"),
    ("window_limit_zero.yaml", r"window_limit_zero\.yaml: service_windows\.ship_within_deadline_72h\.limit: Input should be greater than 0 \(got 0\)"),
    ("active_hours_fraction.yaml", r"active_hours_fraction\.yaml: service_windows\.chat_first_reply_3min\.active_hours\[0\]: Input should be a valid integer \(got 8\.5\)"),
    ("trigger_rate_huge.yaml", r"trigger_rate_huge\.yaml: workflows\.photo_shoot\.trigger\.mean: Input should be less than or equal to 1000000"),
    ("trigger_month_13.yaml", r"trigger_month_13\.yaml: workflows\.photo_shoot\.trigger\.month: Input should be less than or equal to 12 \(got 13\)"),
    ("lead_days_huge.yaml", r"lead_days_huge\.yaml: workflows\.event_signup\.trigger\.lead_days: Input should be less than or equal to 366"),
    ("workflow_number_huge.yaml", r"workflow_number_huge\.yaml: workflows\.photo_shoot\.number: Input should be less than or equal to 1000"),
    ("max_rounds_huge.yaml", r"max_rounds_huge\.yaml: workflows\.extra\.steps\[0\]\.max_rounds: Input should be less than or equal to 20 \(got 1000\)"),
    ("entrants_huge.yaml", r"entrants_huge\.yaml: workflows\.extra\.steps\[0\]\.entrants: Input should be less than or equal to 1000 \(got 100000\)"),
    ("meeting_negative_attendees.yaml", r"meeting_negative_attendees\.yaml: workflows\.extra\.steps\[0\]\.roles\.planner: Input should be greater than or equal to 1 or 'all' \(got -2\)"),
    ("meeting_zero_attendees.yaml", r"meeting_zero_attendees\.yaml: workflows\.extra\.steps\[0\]\.roles\.planner: Input should be greater than or equal to 1 or 'all' \(got 0\)"),
    ("reject_probability_text.yaml", r"reject_probability_text\.yaml: workflows\.extra\.steps\[0\]\.reject_probability: Input should be a valid number \(got '0\.3'\)"),
    ("roster_days_on_alone.yaml", r"roster_days_on_alone\.yaml: calendars\.rosters\.customer_service\[0\]\.days_off: rest days need both days_on \(days worked in a row\) and days_off"),
    ("roster_days_on_zero.yaml", r"roster_days_on_zero\.yaml: calendars\.rosters\.customer_service\[0\]\.days_on: Input should be greater than or equal to 1 \(got 0\)"),
    ("roster_negative_members.yaml", r"roster_negative_members\.yaml: calendars\.rosters\.customer_service\[1\]\.members: Input should be greater than or equal to 0 or 'all' \(got -2\)"),
    ("override_members_huge.yaml", r"override_members_huge\.yaml: calendars\.overrides\[0\]\.members: Input should be less than or equal to 1000 \(got 1000000\)"),
    ("override_members_zero.yaml", r"override_members_zero\.yaml: calendars\.overrides\[0\]\.members: Input should be greater than or equal to 1 \(got 0\)"),
    ("holidays_year_far.yaml", r"holidays_year_far\.yaml: calendars\.holidays\.years\[3000\]: Input should be less than or equal to 2200 \(got 3000\)"),
    ("price_huge.yaml", r"price_huge\.yaml: costs\.regular_daily\.default: Input should be less than or equal to 1000000"),
    ("price_negative.yaml", r"price_negative\.yaml: costs\.temporary_daily\.customer_service: Input should be greater than or equal to 0 \(got -300\)"),
    ("target_yes.yaml", r"target_yes\.yaml: targets\.ship_within_deadline_72h: Input should be a valid number \(got True"),
    ("duty_day_31.yaml", r"duty_day_31\.yaml: duties\.project_ops_monthly_targets\.day: Input should be less than or equal to 28 \(got 31\)"),
    ("case_mix_negative.yaml", r"case_mix_negative\.yaml: aftersales\.case_mix\[1\]\.p: Input should be greater than or equal to 0 \(got -0\.5\)"),

    # settings that could never take effect or make a degenerate run
    ("override_outside_horizon.yaml", r"override_outside_horizon\.yaml: calendars\.overrides\[0\]: 2025-11-10\.\.2025-11-16 lies outside the horizon 2026-10-01\.\.2026-12-31, so this temporary staff would never take effect"),
    ("override_after_horizon.yaml", r"override_after_horizon\.yaml: calendars\.overrides\[0\]: 2027-01-05\.\.2027-01-09 lies outside the horizon .*so this absence would never take effect"),
    ("absent_more_than_headcount.yaml", r"absent_more_than_headcount\.yaml: calendars\.overrides\[0\]\.members: 9 members absent but role 'designer' has only 5 members"),
    ("overtime_more_than_headcount.yaml", r"overtime_more_than_headcount\.yaml: calendars\.overrides\[0\]\.members: 7 members on overtime but role 'customer_service' has only 4 members"),
    ("absences_overlap.yaml", r"absences_overlap\.yaml: calendars\.overrides\[1\]: overlaps the absence calendars\.overrides\[0\] of 'designer' \(2026-11-05\.\.2026-11-06\)"),
    ("no_rest_without_rotation.yaml", r"no_rest_without_rotation\.yaml: calendars\.overrides\[0\]\.change: role 'designer' has no rotating rest days in its roster 'office' \(days_on/days_off\), so no_rest would never take effect"),
    ("no_rest_with_shift.yaml", r"no_rest_with_shift\.yaml: calendars\.overrides\[0\]: .*change: no_rest works each member's own roster shift; give no 'shift'"),
    ("overtime_on_rest_days.yaml", r"overtime_on_rest_days\.yaml: calendars\.overrides\[0\]\.members: 2 members on overtime but on 2026-11-11 only 1 of 'customer_service' work that day by the roster and not already on overtime_evening \(the others rest\): overtime never falls on a rest day; ask at most 1, or cancel the rest days with change: no_rest"),
    ("roster_uncovered_days.yaml", r"roster_uncovered_days\.yaml: calendars\.rosters\.customer_service\[1\]: shift cs_late has nobody of 'customer_service' on 3 of every 7 days: 2 members working 2 days on, 5 off cannot cover it; add members to the group, shorten days_off, or say allow_gaps: true"),
    ("overtime_overlap.yaml", r"overtime_overlap\.yaml: calendars\.overrides\[1\]: overlaps the overtime calendars\.overrides\[0\] of 'customer_service' \(2026-11-11\.\.2026-11-12\): the same members would work it in both"),
    ("weekday_profile_zeros.yaml", r"weekday_profile_zeros\.yaml: demand: weekday_profile must not be all zeros"),
    ("hour_profile_zeros.yaml", r"hour_profile_zeros\.yaml: demand: hour_profile must not be all zeros"),
    ("rate_periods_overlap.yaml", r"rate_periods_overlap\.yaml: demand\.return_rate_periods\[1\]: overlaps return_rate_periods\[0\] \(2026-11-10\.\.2026-11-15\) with another value \(0\.3 vs 0\.4\)"),
    ("rate_period_outside_horizon.yaml", r"rate_period_outside_horizon\.yaml: demand\.return_rate_periods\[0\]: 2025-10-21\.\.2025-11-15 lies outside the horizon 2026-10-01\.\.2026-12-31, so this return rate would never apply"),
    ("patience_zero.yaml", r"patience_zero\.yaml: workflows\.extra\.steps\[0\]\.patience: a patience of zero: every customer would leave before anyone could answer"),
    ("patience_zero_uniform.yaml", r"patience_zero_uniform\.yaml: workflows\.extra\.steps\[0\]\.patience: a patience of zero"),
    ("holidays_wrong_year.yaml", r"holidays_wrong_year\.yaml: calendars\.holidays\.years\[2031\]\.holidays\[1\]: 2026-10-01 is listed under the year 2031; list it under 2026"),
    ("workdays_wrong_year.yaml", r"workdays_wrong_year\.yaml: calendars\.holidays\.years\[2031\]\.workdays\[0\]: 2030-12-28 is listed under the year 2031; list it under 2030"),
    ("roster_negative_sums.yaml", r"roster_negative_sums\.yaml: calendars\.rosters\.customer_service\[0\]\.members: Input should be greater than or equal to 0 or 'all' \(got -2\)"),
    ("meeting_all_negative.yaml", r"meeting_all_negative\.yaml: workflows\.extra\.steps\[0\]\.roles\.ops_director: Input should be greater than or equal to 1 or 'all' \(got -1\)"),

    # hostile YAML, long keys and values quoted short, and more of the earlier classes
    ("yaml_python_tag.yaml", r"yaml_python_tag\.yaml: malformed YAML: line 3, column 7: could not determine a constructor for the tag 'tag:yaml\.org,2002:python/object/apply:os\.system'"),
    ("key_very_long.yaml", r"key_very_long\.yaml: org\.roles\.designer\.a{30,37}\.\.\.: unknown field 'a{30,37}\.\.\.'; .*\(unknown fields are refused\)"),
    ("value_very_long.yaml", r"value_very_long\.yaml: org\.roles\.designer\.headcount: Input should be a valid integer or 'per_project' \(got 'fivefive[a-z]{20,30}\.\.\.\)$"),
    ("nul_byte.yaml", r"nul_byte\.yaml: malformed YAML: unacceptable character #x0000: control characters are not allowed$"),
    ("tab_indent.yaml", r"tab_indent\.yaml: malformed YAML: line 4, column 1: found character (.{1,4} )?that cannot start any token"),
    ("period_malformed.yaml", r"period_malformed\.yaml: periods\.peak: expected START\.\.END, for example 2026-11-01\.\.2026-11-20 \(got '2026-11-11'\)"),
    ("period_outside_horizon.yaml", r"period_outside_horizon\.yaml: periods\.later: period 2027-02-01\.\.2027-02-10 does not lie within the horizon 2026-10-01\.\.2026-12-31"),
    ("campaign_outside_horizon.yaml", r"campaign_outside_horizon\.yaml: demand\.campaigns\.old: campaign 2025-11-11\.\.2025-11-11 lies outside the horizon"),
    ("id_capital.yaml", r"id_capital\.yaml: org\.roles\.Designer2\.\[key\]|org\.roles\.Designer2: id 'Designer2': it must start with a lowercase letter and hold no capitals|'D' may not appear"),
    ("id_hyphen.yaml", r"id_hyphen\.yaml: workflows\.photo-shoot2: id 'photo-shoot2': '-' may not appear in an id; ids are ASCII"),
    ("scheduled_both.yaml", r"scheduled_both\.yaml: workflows\.extra\.steps\[0\]: give exactly one of 'at' \(HH:MM\) and 'attribute'"),
    ("branch_attribute_missing.yaml", r"branch_attribute_missing\.yaml: workflows\.extra\.steps\[0\]: a branch by attribute needs 'attribute'"),
    ("trigger_rate_zero.yaml", r"trigger_rate_zero\.yaml: workflows\.photo_shoot\.trigger: a trigger of kind 'rate' needs 'mean' > 0"),
    ("break_outside_shift.yaml", r"break_outside_shift\.yaml: calendars\.shifts\.office: break \[19:00, 20:00\] must lie inside the shift 09:00-18:00"),
    ("breaks_overlap.yaml", r"breaks_overlap\.yaml: calendars\.shifts\.office: breaks overlap \(13:00 is after 12:30\)"),
    ("override_needs_shift.yaml", r"override_needs_shift\.yaml: calendars\.overrides\[0\]: a change of kind 'extra' needs 'shift'"),
    ("active_hours_reversed.yaml", r"active_hours_reversed\.yaml: service_windows\.chat_first_reply_3min: active_hours must satisfy 0 <= from < to <= 24, got \[20, 8\]"),
    ("active_hours_25.yaml", r"active_hours_25\.yaml: service_windows\.chat_first_reply_3min\.active_hours\[1\]: Input should be less than or equal to 24 \(got 25\)"),
    ("timer_on_shop_window.yaml", r"timer_on_shop_window\.yaml: service_windows\.refused_item_back_72h\.timer: a timer is the platform's act: a window with a timer needs owner: platform"),
    ("timer_resume_earlier.yaml", r"timer_resume_earlier\.yaml: service_windows\.refund_auto_agree_5d\.timer\.resume_at: 'ask_reason' must come after the step that ends the window \('ask_reason'\) in workflow 'exchange'"),
    ("compensation_rate_above_one.yaml", r"compensation_rate_above_one\.yaml: service_windows\.ship_within_deadline_72h\.timer\.cost_of_order\.rate: Input should be less than or equal to 1 \(got 1\.5\)"),
    ("compensation_max_below_min.yaml", r"compensation_max_below_min\.yaml: service_windows\.ship_within_deadline_72h\.timer\.cost_of_order: maximum 5 is below minimum 30"),
    ("compensation_without_order_value.yaml", r"compensation_without_order_value\.yaml: demand\.average_order_value: service window 'ship_within_deadline_72h' prices its timer as a share of the order \(timer\.cost_of_order\): give the order's value"),
    ("compensation_cost_twice.yaml", r"compensation_cost_twice\.yaml: service_windows\.ship_within_deadline_72h\.timer: give 'cost' \(CNY per act\) or 'cost_of_order' \(a share of the order's value\), not both"),
    ("order_value_negative.yaml", r"order_value_negative\.yaml: demand\.average_order_value: Input should be greater than or equal to 0 \(got -200\)"),
    ("limit_period_outside.yaml", r"limit_period_outside\.yaml: service_windows\.ship_within_deadline_72h\.limit_periods\[0\]: 2027-11-11\.\.2027-11-11 lies outside the horizon 2026-10-01\.\.2026-12-31, so this limit would never apply"),
    ("uniform_low_gt_high.yaml", r"uniform_low_gt_high\.yaml: demand\.aftersales_lag: low \(5\.0\) must be <= high \(2\.0\)"),
    ("empirical_weights_zero.yaml", r"empirical_weights_zero\.yaml: demand\.aftersales_lag: weights must not all be zero"),
    ("duty_unknown_role.yaml", r"duty_unknown_role\.yaml: duties\.night_watch\.role: unknown role 'guard'"),
    ("cost_unknown_role.yaml", r"cost_unknown_role\.yaml: costs\.temporary_daily\.custmer_service: unknown role 'custmer_service'; did you mean 'customer_service'\?"),
    ("roster_two_alls.yaml", r"roster_two_alls\.yaml: calendars\.rosters\.customer_service: at most one group may have members: all"),
    ("group_unknown_member.yaml", r"group_unknown_member\.yaml: org\.groups\.brainstorm_group\.members\[1\]: unknown role 'copywriter'"),

]

#: Files checked with more than ``opsim check FILE``: (command, options).
ARGS: dict[str, tuple[str, list[str]]] = {
    "extends_dev_zero_allowed.yaml": ("check", ["--allow-outside"]),
    "extends_link_outside_allowed.yaml": ("check", ["--allow-outside"]),
}
#: What a message may never hold: a line of a refused or foreign file, a long value.
NEVER = re.compile(r"root:|hunter2|a{100}")

LINE = re.compile(r"^error: \S+(: [\w.\[\]]+)?: .+$")


@pytest.fixture(autouse=True)
def _at_repo_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def check(path: str, capsys: pytest.CaptureFixture[str], command: str = "check",
          options: tuple[str, ...] | list[str] = ()) -> tuple[int, str]:
    code = main([command, path, *options])
    captured = capsys.readouterr()
    if code != 0:
        assert captured.out == "", "a failed check must not print a partial result"
    return code, captured.err


@pytest.mark.parametrize(("name", "pattern"), CASES, ids=[c[0] for c in CASES])
def test_broken_file_fails_with_a_clear_message(name: str, pattern: str, capsys) -> None:
    command, options = ARGS.get(name, ("check", []))
    t0 = time.perf_counter()
    code, err = check(f"tests/broken/{name}", capsys, command, options)
    assert time.perf_counter() - t0 < 2.0, "a bad file must be refused in under 2 s"
    assert code == 2
    assert re.search(pattern, err), err
    assert "Traceback" not in err and not NEVER.search(err), err
    assert all(LINE.match(line) for line in err.splitlines()), err


def test_every_corpus_file_is_in_the_table() -> None:
    listed = {name for name, _ in CASES} | {"extends_cycle_b.yaml"}
    assert {p.name for p in BROKEN.glob("*.yaml")} == listed
    assert set(ARGS) <= listed
    assert len(listed) >= 30


def test_a_path_that_does_not_exist(capsys) -> None:
    code, err = check("tests/broken/no_such_file.yaml", capsys)
    assert (code, err) == (2, "error: tests/broken/no_such_file.yaml: file not found\n")


def test_a_directory_is_not_a_scenario(capsys) -> None:
    code, err = check("tests/broken", capsys)
    assert code == 2 and "tests/broken: is a directory, expected a YAML file" in err


def test_the_file_that_set_the_bad_value_is_named(capsys) -> None:
    # The scenario overrides one field of a role defined in rules/org_chart.yaml.
    code, err = check("tests/broken/headcount_negative.yaml", capsys)
    assert code == 2 and "rules/org_chart.yaml" not in err
    # Two levels down the chain, the middle file set it; the child is innocent.
    code, err = check("tests/broken/inherited_bad_child.yaml", capsys)
    assert err.startswith("error: tests/broken/inherited_bad_mid.yaml: org.roles.designer.reports_to:")
    assert "inherited_bad_child" not in err


def test_a_replaced_list_forgets_where_its_old_items_came_from(capsys) -> None:
    code, err = check("tests/broken/replaced_list_missing_field.yaml", capsys)
    assert code == 2 and "rules/workflows.yaml" not in err


def test_a_value_kept_from_the_rules_is_blamed_on_the_rules(tmp_path: Path, capsys) -> None:
    # The scenario sets a bad shift; the roster that uses it came from the rules.
    bad = tmp_path / "s.yaml"
    bad.write_text(f"extends: {os.path.relpath(ROOT / 'scenarios/baseline.yaml', tmp_path)}\n"
                   "calendars:\n  rosters:\n    office: [{shift: day_shift}]\n", encoding="utf-8")
    code, err = check(str(bad), capsys)
    assert code == 2
    assert f"error: {bad}: calendars.rosters.office[0].shift: unknown shift 'day_shift'" in err


def test_changing_a_distribution_kind_replaces_it_whole(tmp_path: Path, capsys) -> None:
    ok = tmp_path / "s.yaml"
    ok.write_text(f"extends: {os.path.relpath(ROOT / 'scenarios/baseline.yaml', tmp_path)}\n"
                  "demand:\n  aftersales_lag: {dist: exponential, mean: 2, unit: days}\n", encoding="utf-8")
    code, _ = check(str(ok), capsys)
    assert code == 0


@pytest.mark.slow  # a fresh interpreter per file
@pytest.mark.parametrize("name", ["alias_bomb.yaml", "invalid_date.yaml", "not_utf8_gbk.yaml",
                                  "nested_too_deep.yaml", "extends_cycle_a.yaml",
                                  "extends_dev_zero_allowed.yaml", "extends_symlink_loop.yaml",
                                  "headcount_huge.yaml"])
def test_real_process_exits_2_without_traceback(name: str) -> None:
    command, options = ARGS.get(name, ("check", []))
    proc = subprocess.run([sys.executable, "-m", "sim", command, f"tests/broken/{name}", *options],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stderr.startswith("error: ") and proc.stdout == ""
