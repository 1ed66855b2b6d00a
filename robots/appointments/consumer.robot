*** Settings ***
Documentation       The appointment bot's second step: key each booking missing from the case diary, once;
...                 hand every other discrepancy to a person.
...
...                 For each input work item (a discrepancy or the night's report, see ``producer.robot``):
...
...                 1. The *report* item is released DONE at once (its workbook stays attached to it).
...                 2. A *recorded-not-booked*, *time-mismatch* or *cancelled-still-in-diary* item is released
...                 at once as a BUSINESS failure with its code (``TIME_MISMATCH``…) and the producer's message,
...                 for a person to decide.
...                 3. A *booked-not-recorded* item: find the child in the case system by surname and date of
...                 birth (the row with the booking's NHS number), open the child's diary and *look first*: an
...                 entry already booked at that date and time means it was keyed before (a rerun, or an
...                 error page after the system had saved), and nothing is keyed again. A cancelled entry
...                 there is a BUSINESS failure (``DIARY_CANCELLED``: a person decides which system is right).
...                 Otherwise the appointment is added (date, time, clinician; type *Initial assessment* for a
...                 child with an empty diary, else *Follow-up*) and read back from the diary. An output
...                 item ``{reference, booking_ref, existing}`` follows (no personal values).
...                 A child the case system does not know is a BUSINESS failure (``CHILD_NOT_FOUND``).
...
...                 Every page step is retried on ``ApplicationError`` (as ``robots/referrals``); when the
...                 tries are used up the item is released as an APPLICATION failure with a screenshot, and the
...                 queue retries it later.
...
...                 Settings: ``CASE_SYSTEM_URL``, ``CASE_SYSTEM_SECRET`` (default ``case_system``), the adapter
...                 with ``NIGHTSHIFT_QUEUE`` and ``NIGHTSHIFT_OUTPUT_QUEUE``. Run with ``--maxassignlength 0``.

Library             OperatingSystem
Library             RPA.Robocorp.WorkItems    autoload=${False}
Library             keywords.appointments
Resource            common.resource

Suite Setup         Open Case System
Suite Teardown      Close Legacy System


*** Variables ***
${CASE_SYSTEM_URL}      %{CASE_SYSTEM_URL=http://127.0.0.1:8700/}
${SECRET_NAME}          %{CASE_SYSTEM_SECRET=case_system}


*** Tasks ***
Key appointments
    [Documentation]    Key every booking missing from the diary; release the other discrepancies for a person.
    For Each Input Work Item    Handle One Appointment    return_results=${False}


*** Keywords ***
Open Case System
    Set Environment Variable    NIGHTSHIFT_REFERENCE_FIELD    %{NIGHTSHIFT_REFERENCE_FIELD=reference}
    Open And Log In    ${CASE_SYSTEM_URL}    ${SECRET_NAME}

Handle One Appointment
    [Documentation]    One input item: done, a BUSINESS failure for a person, or an APPLICATION failure.
    ${item}=    Get Work Item Payload
    ${reference}=    Set Variable    ${item}[reference]
    IF    $item.get("kind") == "report"
        Release Input Work Item    DONE
        RETURN
    END
    IF    $item["class"] != "booked-not-recorded"
        Release Input Work Item    FAILED    exception_type=BUSINESS    code=${item}[code]
        ...    message=${item}[message]
        RETURN
    END
    ${booking}=    Set Variable    ${item}[booking]
    TRY
        New Item Context
        ${existing}=    Key Booking Into Diary    ${booking}
    EXCEPT    BusinessError:*    type=glob    AS    ${error}
        Release With Screenshot    BUSINESS    ${booking}[booking_ref]    ${error}
        RETURN
    EXCEPT    ApplicationError:*    type=glob    AS    ${error}
        Release With Screenshot    APPLICATION    ${booking}[booking_ref]    ${error}
        RETURN
    EXCEPT    LoginRefused:*    type=glob    AS    ${error}
        Fail    ${error}
    EXCEPT    AS    ${error}
        Release With Screenshot    APPLICATION    ${booking}[booking_ref]    ${error}    code=ROBOT_ERROR
        RETURN
    END
    Create Output Work Item
    Set Work Item Payload    ${{ {"reference": $reference, "booking_ref": $booking["booking_ref"], "existing": $existing} }}
    Save Work Item
    Log    ${booking}[booking_ref]: ${{ "already in the diary" if $existing else "keyed into the diary" }}.

Key Booking Into Diary
    [Documentation]    ``True`` if the diary had the appointment already, ``False`` once it is keyed.
    [Arguments]    ${booking}
    ${child_id}=    Repeat Step    /    Find Child Id    ${booking}
    IF    not $child_id
        Fail    BusinessError: ChildNotFound: no child record has the NHS number of booking ${booking}[booking_ref] (searched by surname and date of birth): create the child or correct the booking, then retry the item.
    END
    ${day}    ${time}=    Format Appointment For Diary    ${booking}[starts_at]
    ${existing}=    Repeat Step    /children/${child_id}/diary    Add To Diary Unless There    ${booking}
    ...    ${day}    ${time}
    RETURN    ${existing}

Find Child Id
    [Documentation]    The case system's ID of the booking's child, or an empty string.
    [Arguments]    ${booking}
    ${dob}=    Format Date For Form    ${booking}[dob]
    Fill By Label    Surname    ${booking}[surname]
    Fill By Label    Date of birth    ${dob}
    Click Button    Find child
    Wait For Page    Search    exact=${True}
    Get Text    xpath=//h2[starts-with(normalize-space(.), 'Children found')]
    @{rows}=    Get Table Rows    id=child-results
    ${child_id}=    Child Id With NHS Number    ${rows}    ${booking}[nhs_number]
    RETURN    ${child_id}

Add To Diary Unless There
    [Documentation]    Look at the child's diary first; add the appointment only if it is not there.
    [Arguments]    ${booking}    ${day}    ${time}
    Wait For Page    Appointment diary
    @{rows}=    Get Table Rows    id=diary
    ${status}=    Diary Status At    ${rows}    ${day}    ${time}
    IF    $status == "booked"    RETURN    ${True}
    IF    $status == "cancelled"
        Fail    BusinessError: DiaryCancelled: booking ${booking}[booking_ref] is booked, but the case diary has this appointment cancelled: decide which system is right and correct the other.
    END
    ${kind}=    Appointment Type For    ${rows}
    Fill By Label    Appointment date    ${day}
    Fill By Label    Appointment time    ${time}
    Fill By Label    Clinician    ${booking}[clinician]
    Choose By Label    Appointment type    ${kind}
    Click Button    Add appointment
    Wait For Page    Appointment diary
    @{rows}=    Get Table Rows    id=diary
    ${status}=    Diary Status At    ${rows}    ${day}    ${time}
    IF    $status != "booked"
        Fail    ApplicationError: NotSaved: the diary does not show booking ${booking}[booking_ref] after adding it
    END
    RETURN    ${False}
