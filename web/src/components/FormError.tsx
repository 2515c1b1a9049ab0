// A form's failure, worded for the operator; nothing while there is none.

import { useErrorText } from './States';

export function FormError({ error }: { error: unknown }) {
  const errorText = useErrorText();
  if (error === null) return null;
  return (
    <p className="field-error" role="alert">
      {errorText(error)}
    </p>
  );
}
