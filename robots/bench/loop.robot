*** Settings ***
Documentation     The work-item benchmark robot (``nightshift bench workitems``).
...
...               It makes one output work item per input and nothing else, so a run
...               measures the work-item adapter and Robot Framework, not a bot.
...               Run it through nightshift's queue with
...               ``RPA_WORKITEMS_ADAPTER=workitems.rpa.QueueAdapter`` (``NIGHTSHIFT_QUEUE``,
...               ``NIGHTSHIFT_OUTPUT_QUEUE``), or through rpaframework's ``FileAdapter``
...               (``RPA_INPUT_WORKITEM_PATH``, ``RPA_OUTPUT_WORKITEM_PATH``).
Library           RPA.Robocorp.WorkItems


*** Tasks ***
Make One Output Per Input
    For Each Input Work Item    Make Output    return_results=False


*** Keywords ***
Make Output
    ${n}=    Get Work Item Variable    n
    ${reference}=    Get Work Item Variable    reference
    &{variables}=    Create Dictionary    n=${n}    reference=${reference}    checked=${True}
    Create Output Work Item    variables=${variables}    save=True
