import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import './styles.css';
import { parseWithoutEval } from '@crm/shared';

// The server's Content-Security-Policy allows no eval (security-headers.ts).
parseWithoutEval();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
